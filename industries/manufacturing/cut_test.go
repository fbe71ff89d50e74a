package manufacturing_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
)

// playWithPlantACut plays intervals of the plant clock with plant a's WAN
// link cut before interval cut and restored before interval restore
// (unlinked returns once the cut is seen), then waits for the system to
// settle. It returns plant a.
func playWithPlantACut(t *testing.T, ctx context.Context, sys *manufacturing.System, intervals, cut, restore int, unlinked func(a *manufacturing.Site) error) *manufacturing.Site {
	t.Helper()
	a := sys.Site("plant-a")
	for i := 1; i <= intervals; i++ {
		switch i {
		case cut:
			a.Edge.Link.Cut()
			require.NoError(t, unlinked(a))
		case restore:
			a.Edge.Link.Restore()
		}
		require.NoError(t, sys.Interval(ctx))
	}
	require.NoError(t, sys.WaitSettled(ctx))
	return a
}

// auditAfterAShiftCut audits two plants of two lines played for three
// shifts of per intervals, plant a's link cut for the second, a bearing
// worn in each plant, and checks what a cut must not change: every
// reading at its edge, OEE at the hub equal to the edges' archives for
// the 12 line-shifts, each of the two stops at the hub once and issued by
// the edge within the budget.
func auditAfterAShiftCut(t *testing.T, ctx context.Context, sys *manufacturing.System, per int) manufacturing.Findings {
	t.Helper()
	f, err := sys.Audit(ctx, manufacturing.DefaultConfig().Budget)
	require.NoError(t, err)
	assert.Equal(t, 12*3*per, f.Raw)
	assert.Len(t, f.Want, 12, "4 lines × 3 shifts")
	assert.Empty(t, f.OEE)
	require.Len(t, f.Stops, 2, "one worn bearing in each plant")
	assert.Empty(t, f.StopsOff)
	assert.Empty(t, f.Late)
	for _, l := range f.Latencies {
		assert.True(t, l.Reached, l.Stop)
		assert.Equal(t, "edge", l.Issuer, l.Stop)
	}
	return f
}
