package manufacturing_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/industries/manufacturing/edge"
	"github.com/patternlab/patternlab/industries/manufacturing/plant"
)

// playDeadline bounds a test that plays intervals of the plant clock:
// with the lockstep an interval waits for the line controllers, which took
// about half a second each under -race on the 2-core machine at a load
// average of 30; a second an interval, and a minute to start and settle.
func playDeadline(intervals int) time.Duration {
	return time.Minute + time.Duration(intervals)*time.Second
}

func systemConfig() manufacturing.SystemConfig {
	return manufacturing.SystemConfig{
		Floor: plant.DefaultFloor(), Behaviour: plant.DefaultBehaviour(7), Rule: edge.DefaultRule(),
		Window: 32, HubRate: 0, DupWindow: 2 * time.Minute, AckWait: time.Second, Retry: 200 * time.Millisecond, Pace: 40 * time.Millisecond, CommandDeadline: time.Minute,
		LocalStop: true, Dedupe: true, CreditWindow: true, Lockstep: true,
	}
}

// Plant a's WAN link is cut for its whole second shift, during which a
// bearing starts to fail on a-l1-m2: the edge stops the line on its own,
// and once the link is back and the backlog forwarded, the hub's OEE
// equals OEE recomputed from the edges' archives, line by line and shift
// by shift, and every stop event is at the hub exactly once.
// Fault: link-cut | target: plant a's WAN link, down for its whole second shift while a bearing fails | invariant: OEE at the hub equals the edges' archives for all 12 line-shifts; each stop at the hub once; both lines stopped by the edge within the budget
func TestALinkDownForAShiftLosesNothingAndStopsLocally(t *testing.T) {
	cfg := systemConfig()
	// shifts of 4 hours (48 intervals): a-l1-m2's bearing starts to wear
	// mid-shift 2, during the outage
	cfg.Floor = plant.NewFloor(2, 2, 3, 4*time.Hour, 5*time.Minute)
	cfg.Behaviour.Wear = map[string]uint64{"a-l1-m2": 72, "b-l2-m1": 40}
	ctx, cancel := context.WithTimeout(context.Background(), playDeadline(3*cfg.Floor.IntervalsPerShift()))
	defer cancel()
	sys, err := manufacturing.StartSystem(ctx, cfg)
	require.NoError(t, err)
	defer sys.Close()
	per := cfg.Floor.IntervalsPerShift()
	playWithPlantACut(t, ctx, sys, 3*per, per+1, 2*per+1, func(a *manufacturing.Site) error { return a.Edge.WaitUnlinked(ctx) })
	f := auditAfterAShiftCut(t, ctx, sys, per)
	assert.Zero(t, f.ArchivedCopies)
	assert.Equal(t, "stop/a-l1-m2/72", f.Stops[0].ID, "caught during plant a's outage, on its first worn reading")
}
