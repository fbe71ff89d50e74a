package internet

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
)

func lateBurstOnDemand(t *testing.T, cfg Config) (*narrate.Narrator, string) {
	t.Helper()
	// The lab's button, pressed when the flash campaign starts.
	const spike = "FAULT: the flash campaign starts"
	lab, n := labtest.NewLab(labtest.OnFirstLine(spike, FaultLateBurst))
	require.NoError(t, Demo(context.Background(), n, cfg))
	answers := lab.Answers()[spike]
	require.Len(t, answers, 1, "the flash campaign started")
	require.NoError(t, answers[0], "late-burst is on offer while the edge takes the day's beacons")
	assert.ErrorContains(t, n.Inject(FaultLateBurst), "no fault", "withdrawn once the edge has taken every beacon")
	out := lab.Story()
	require.Contains(t, out, "[devices] FAULT: 20 events from devices that were offline arrive at once (requested in the lab)")
	return n, out
}

// The lab's "late burst" button: twenty events from long before the
// watermark arrive at once mid-spike; each goes to the late stream (a
// check reads them there), the audit counts them among the beacons, the
// batch recomputation agrees, and the verdict, the last line, holds.
//
// Fault: reorder | target: 20 events from before the watermark minus the allowed lateness, sent at once mid-spike when the lab's button asks | invariant: every one of them is in the late stream, the stream equals the batch, the verdict is HELD
func TestLateBurstOnDemandIsRoutedLate(t *testing.T) {
	n, out := lateBurstOnDemand(t, DefaultConfig())
	assert.Regexp(t, `\[check\] late burst routed: 20 of the 20 events of the late bursts requested in the lab are in \S+: ok`, out)
	assert.Regexp(t, `\[check\] accounted: (\d+) of (\d+) beacons in the log; .*: ok`, out)
	last := labtest.LastLine(out)
	assert.True(t, strings.HasPrefix(last, "[invariant] HELD"), last)
	assert.True(t, n.Held(), "failures: %v", n.Failures())
}

// With -late-route=false the burst is dropped without a word: none of its
// events is in the late stream, and the verdict is VIOLATED.
//
// Fault: reorder | target: a late burst requested from the lab, with -late-route=false | invariant: broken on purpose: none of them is in the late stream, the verdict is VIOLATED
func TestLateBurstOnDemandWithoutTheLateRouteIsViolated(t *testing.T) {
	cfg := DefaultConfig()
	cfg.LateRoute = false
	n, out := lateBurstOnDemand(t, cfg)
	assert.Regexp(t, `\[check\] late burst routed: 0 of the 20 .*: FAILED`, out)
	last := labtest.LastLine(out)
	assert.True(t, strings.HasPrefix(last, "[invariant] VIOLATED"), last)
	assert.Contains(t, last, "late burst routed")
	assert.False(t, n.Held())
}
