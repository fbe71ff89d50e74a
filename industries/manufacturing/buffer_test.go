package manufacturing_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/industries/manufacturing/oee"
	"github.com/patternlab/patternlab/kit/deadletter"
	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"
)

// Plant a's store-and-forward buffer holds 30 readings, and its link is
// down for 20 intervals (120 readings): the line controller refuses what
// does not fit. Each refused reading is archived at the edge and at the
// hub's dead letters with the reason, none is lost without a trace, and
// the audit says so: the hub's OEE equals the archive's without the
// refused readings, and the refusals are a violation of their own.
// Fault: overload | target: plant a's store-and-forward buffer (30 readings) through a link cut of 120 readings | invariant: each refused reading archived and at the hub's dead letters with its reason; the hub's OEE equal to the archive's without them; the refusals a violation of their own
// Fault: link-cut | target: plant a's WAN link for 20 intervals, the buffer filling | invariant: no reading lost without a trace: counted at the hub or refused with a reason
func TestAFullEdgeBufferRefusesToTheDeadLettersAndTheAuditCountsIt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), playDeadline(60))
	defer cancel()
	cfg := systemConfig()
	const capacity = 30
	cfg.Buffer = edgeiot.Limit{MaxMsgs: capacity, MaxBytes: 1 << 20}
	sys, err := manufacturing.StartSystem(ctx, cfg)
	require.NoError(t, err)
	defer sys.Close()
	const intervals = 60
	a := playWithPlantACut(t, ctx, sys, intervals, 21, 41, func(a *manufacturing.Site) error { return a.Edge.WaitUnlinked(ctx) })

	f, err := sys.Audit(ctx, manufacturing.DefaultConfig().Budget)
	require.NoError(t, err)
	machines := len(cfg.Floor.Machines("plant-a"))
	assert.Equal(t, 12*intervals, f.Raw, "every reading archived at its edge, refused or not")
	ofA := 0
	for _, id := range f.Refused {
		if strings.HasPrefix(id, "a-") {
			ofA++
		}
	}
	// plant b's buffer may fill too, when its forwarder falls behind the floor
	assert.GreaterOrEqual(t, ofA, 20*machines-capacity, "at most the buffer's capacity of plant a waits out the cut")

	// The server's record, not the controller's: every refused reading is a
	// dead letter at the hub with its reason.
	letters, err := deadletter.Read(ctx, sys.HubJS, edgeiot.StreamHubDeadLetter)
	require.NoError(t, err)
	atHub := map[string]string{}
	for _, l := range letters {
		if edgeiot.Outcome(l.Header.Get(edgeiot.HeaderKind)) == edgeiot.OutcomeRefused {
			atHub[l.Header.Get(edgeiot.HeaderReading)] = l.Reason
		}
	}
	for _, id := range f.Refused {
		assert.True(t, strings.HasPrefix(atHub[id], "edge buffer full"), "%s: %q", id, atHub[id])
	}
	// A refused letter the audit does not count is a copy: the landing
	// stream redelivered the reading (its ack was late), and one of its
	// deliveries found room in the buffer and reached the hub.
	for id := range atHub {
		assert.True(t, slices.Contains(f.Refused, id) || sys.OEE.Counted(id), "%s refused at the hub, neither counted nor in the audit", id)
	}
	refusals := a.Controller.Tally().Refused + sys.Site("plant-b").Controller.Tally().Refused
	assert.GreaterOrEqual(t, refusals, len(f.Refused), "the controllers refused each at least once")

	assert.Empty(t, f.OEE, "the hub counted every archived reading that was not refused")
	assert.NotEmpty(t, oee.Diff(f.WantAll, f.Live), "the refused readings are missing from the hub's OEE")
	require.NotEmpty(t, f.Violations())
	assert.Contains(t, f.Violations()[0], "refused by a full edge buffer")
}
