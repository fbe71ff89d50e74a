//go:build integration

package edgeiot

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

// The link is cut and restored many times while the machines publish, at
// points chosen by a seeded generator (counted in readings accepted, not in
// wall time, so a seed replays the same schedule). Nothing is lost, nothing
// arrives twice, and the aggregates still match the raw readings. This is
// the slowest test of the module (four machines, 1200 readings, several
// cuts: over five minutes of a package run on a loaded machine), so it is
// in the integration tier; TestRestoreAfterACutForwardsEverything and the
// Example cut the link in the unit tier.
//
// Fault: link-cut | target: the leafnode link, cut and restored many times at seeded points while four machines publish | invariant: nothing lost, nothing twice, and the aggregates still match the raw readings
func TestIntegrationRepeatedLinkCutsLoseNothing(t *testing.T) { repeatedLinkCuts(t, 1, 2, 3) }

func repeatedLinkCuts(t *testing.T, seeds ...uint64) {
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			ctx := testContext(t)
			o := defaultPlant()
			o.seed = seed
			p := startPlant(t, ctx, o)
			rng := rand.New(rand.NewPCG(seed, 99))
			const perDevice = 300
			total := o.devices * perDevice

			var g errgroup.Group
			g.Go(func() error { _, err := p.fleet.Publish(ctx, perDevice); return err })
			l := p.topo.Gateway.Ledger()
			at := 0
			cuts := 0
			for {
				at += 50 + rng.IntN(total/8)
				if at >= total*8/10 {
					break
				}
				upAt := at + 20 + rng.IntN(100)
				require.NoError(t, l.Wait(ctx, func(l *Ledger) bool { return decidedCount(l) >= at }))
				p.topo.Link.Cut()
				cuts++
				require.NoError(t, l.Wait(ctx, func(l *Ledger) bool { return decidedCount(l) >= upAt }))
				p.topo.Link.Restore()
				at = upAt
			}
			require.NoError(t, g.Wait())
			p.settle(t, ctx)
			f := p.audit(t, ctx)
			t.Logf("seed %d: %d cuts, %d readings accepted, %d windows", seed, cuts, f.Accepted, f.Windows)
			require.GreaterOrEqual(t, cuts, 3, "the schedule cut the link several times")
			assert.Equal(t, f.Accepted, f.AtHub)
			assert.Zero(t, f.Refused, "the buffer was large enough")
		})
	}
}
