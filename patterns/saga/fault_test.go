package saga_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/orchestration"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// The invariant as a property: for many seeded fault schedules (transient
// failures, declines at every step, failing compensations, lost acks, a
// pivot that fails four times) and a service crash mid-run, every
// choreographed saga ends completed or fully compensated, stock and money
// add up, and no step applies twice.
//
// Fault: failure | target: the services: seeded transient failures, declines at every step, failing compensations | invariant: every choreographed saga ends completed or fully compensated; stock and money add up; no step applies twice
// Fault: loss | target: the services' acks, lost (JetStream redelivers the events) | invariant: no step applies twice; stock and money add up
// Fault: crash | target: a service, crashed mid-run | invariant: every saga still ends completed or fully compensated
func TestChoreographyInvariantHoldsForEverySeed(t *testing.T) {
	url := natsURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for seed := uint64(1); seed <= 20; seed++ {
		orders := shop.NewOrders(24, seed)
		run := choreographyRun{
			url: url, prefix: prefixFor("chor", seed), orders: orders,
			plan:  shop.NewPlan(orders, seed, 0.35),
			crash: shop.Services[seed%3],
		}
		r, _ := run.run(t, ctx)
		require.Empty(t, r.Violations, "seed %d", seed)
		require.Equal(t, len(orders), r.Completed+r.Compensated, "seed %d", seed)
	}
}

// The same property for the orchestrated saga, on the SDK's in-memory test
// environment, with the schedule's lost replies: the pivot's last answer is
// lost in every run, and shipping settles it. (The dev-server run is below
// and in the integration tests.)
//
// Fault: failure | target: the activities: seeded transient failures, declines, failing compensations | invariant: every orchestrated saga ends completed or fully compensated; no step applies twice
// Fault: loss | target: the pivot's last answer, lost in every run | invariant: shipping settles it: the saga neither compensates a booked shipment nor leaves one booked
func TestOrchestrationInvariantHoldsForEverySeed(t *testing.T) {
	url := natsURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	// The seeds run side by side: each one's lost reply costs a whole
	// StepTimeout of waiting, not of work.
	t.Run("seeds", func(t *testing.T) {
		for seed := uint64(1); seed <= 10; seed++ {
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				t.Parallel()
				orders := shop.NewOrders(12, seed)
				plan := shop.NewPlan(orders, seed, 0.35)
				prefix := prefixFor("orch", seed)
				svcs := orchestrationServices(t, url, prefix, shop.Options{Ledger: ledger.Options{Inject: plan}}, plan)
				orch := &orchestration.InMemoryOrchestrator{Activities: &orchestration.Activities{NC: labtest.Conn(t, url), Prefix: prefix}}
				outcomes, _, err := runOrchestrated(ctx, orch, orders, 4)
				require.NoError(t, err)
				r := shop.Verify(orders, outcomes, snapshots(svcs))
				require.Empty(t, r.Violations)
				e, ok := snapshots(svcs)[shop.Shipping].Entry(plan.Pivot)
				require.True(t, ok)
				require.Equal(t, ledger.Applied, e.Effect, "the pivot applied on its last attempt")
				require.Equal(t, shop.Completed, outcomes[plan.Pivot.Saga].Status, "and its saga completed")
			})
		}
	})
}
