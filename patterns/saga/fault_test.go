package saga_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/saga"
)

// The invariant as a property: for many seeded fault schedules (transient
// failures, declines at every step, failing compensations, lost acks) and a
// service crash mid-run, every choreographed saga ends completed or fully
// compensated, stock and money add up, and no step applies twice.
func TestChoreographyInvariantHoldsForEverySeed(t *testing.T) {
	url := natsURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for seed := uint64(1); seed <= 20; seed++ {
		orders := saga.NewOrders(24, seed)
		run := choreographyRun{
			url: url, prefix: prefixFor("chor", seed), orders: orders,
			plan:  saga.NewPlan(orders, seed, 0.35),
			crash: saga.Services[seed%3],
		}
		r, _ := run.run(t, ctx)
		require.Empty(t, r.Violations, "seed %d", seed)
		require.Equal(t, len(orders), r.Completed+r.Compensated, "seed %d", seed)
	}
}

// The same property for the orchestrated saga, on the SDK's in-memory test
// environment (the dev-server run is below and in the integration tests).
func TestOrchestrationInvariantHoldsForEverySeed(t *testing.T) {
	url := natsURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for seed := uint64(1); seed <= 20; seed++ {
		orders := saga.NewOrders(12, seed)
		plan := saga.NewPlan(orders, seed, 0.35)
		prefix := prefixFor("orch", seed)
		svcs := orchestrationServices(t, url, prefix, saga.LedgerOptions{Inject: plan})
		orch := &saga.InMemoryOrchestrator{Activities: &saga.Activities{NC: labtest.Conn(t, url), Prefix: prefix}}
		outcomes, _, err := runOrchestrated(ctx, orch, orders, 4)
		require.NoError(t, err, "seed %d", seed)
		r := saga.Verify(orders, outcomes, snapshots(svcs))
		require.Empty(t, r.Violations, "seed %d", seed)
	}
}

func TestOrchestrationOnTheDevServerInvariantHoldsForEverySeed(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	url := natsURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := devServer(t, ctx)
	for seed := uint64(1); seed <= 2; seed++ {
		orders := saga.NewOrders(12, seed)
		plan := saga.NewPlan(orders, seed, 0.35)
		prefix := prefixFor("dev", seed)
		svcs := orchestrationServices(t, url, prefix, saga.LedgerOptions{Inject: plan})
		queue := saga.TaskQueue + "-" + prefix
		w := saga.NewWorker(c, queue, &saga.Activities{NC: labtest.Conn(t, url), Prefix: prefix})
		require.NoError(t, w.Start())
		orch := &saga.TemporalOrchestrator{Client: c, TaskQueue: queue, IDPrefix: prefix}
		outcomes, _, err := runOrchestrated(ctx, orch, orders, 10)
		w.Stop()
		require.NoError(t, err, "seed %d", seed)
		r := saga.Verify(orders, outcomes, snapshots(svcs))
		require.Empty(t, r.Violations, "seed %d", seed)
	}
}

// Every choreography event is delivered twice (published twice under
// different message IDs, so the stream cannot de-duplicate them): each
// service absorbs every second copy, and the invariant holds.
func TestDuplicateDeliveryOfEveryChoreographyEvent(t *testing.T) {
	url := natsURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	types := map[saga.Step]bool{}
	for seed := uint64(1); seed <= 5; seed++ {
		orders := saga.NewOrders(16, seed)
		run := choreographyRun{url: url, prefix: prefixFor("dup", seed), orders: orders, plan: saga.NewPlan(orders, seed, 0.35), dups: true}
		r, c := run.run(t, ctx)
		require.Empty(t, r.Violations, "seed %d", seed)
		snaps, err := c.Snapshots(ctx)
		require.NoError(t, err)
		for _, s := range snaps {
			for k, e := range s.Entries {
				if e.Effect != "" {
					assert.GreaterOrEqual(t, e.Duplicates, 1, "seed %d: %s saw its event once", seed, k)
					types[saga.Step(k[strings.LastIndexByte(k, '/')+1:])] = true
				}
			}
		}
		assert.Equal(t, len(orders), c.Board().Repeats(), "seed %d: every terminal event came twice", seed)
	}
	assert.Len(t, types, 5, "the events of every step, compensations included, were duplicated")
}

// Why the keys exist: the same duplicates without them break the invariant.
func TestWithoutIdempotencyDuplicatesBreakTheInvariant(t *testing.T) {
	url := natsURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	orders := saga.NewOrders(10, 1)
	run := choreographyRun{url: url, prefix: "unsafe", orders: orders, plan: saga.NewPlan(orders, 1, 0), dups: true, unsafe: true}
	r, _ := run.run(t, ctx)
	require.NotEmpty(t, r.AppliedTwice)
	assert.Contains(t, r.AppliedTwice, "order-1/charge applied 2 times")
	assert.NotEqual(t, r.CompletedAmount, r.Charged-r.Refunded, "customers paid more than their orders")
}

func TestACrashedServiceResumesFromItsDurableConsumer(t *testing.T) {
	url := natsURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	orders := saga.NewOrders(10, 4)
	svcs := services(t, saga.LedgerOptions{})
	c, err := saga.StartChoreography(ctx, url, svcs, saga.ChoreographyOptions{ParticipantOptions: saga.ParticipantOptions{Prefix: "crash"}})
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Crash(saga.Payment))
	for _, o := range orders {
		require.NoError(t, c.Place(ctx, o))
	}
	require.Eventually(t, func() bool {
		n, err := c.Backlog(ctx, saga.Payment)
		return err == nil && n == len(orders)
	}, 10*time.Second, 5*time.Millisecond, "every reservation waits for payment")
	assert.Empty(t, c.Outcomes(), "no saga can end while payment is down")

	require.NoError(t, c.Restart(ctx, saga.Payment))
	for _, o := range orders {
		out, err := c.Wait(ctx, o.ID)
		require.NoError(t, err)
		assert.Equal(t, saga.Completed, out.Status)
	}
	require.NoError(t, c.Quiesce(ctx))
	r := saga.Verify(orders, c.Outcomes(), snapshots(svcs))
	assert.Empty(t, r.Violations)
}

// A malformed event cannot be handled: it is parked on a dead-letter
// subject with the reason, not retried forever and not lost.
func TestAMalformedEventIsDeadLettered(t *testing.T) {
	url := natsURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	svcs := services(t, saga.LedgerOptions{})
	c, err := saga.StartChoreography(ctx, url, svcs, saga.ChoreographyOptions{ParticipantOptions: saga.ParticipantOptions{Prefix: "bad"}})
	require.NoError(t, err)
	defer c.Close()
	js := labtest.JetStream(t, url)
	_, err = js.Publish(ctx, "bad.events.order.placed", []byte(`{"type":"order.placed","order":`))
	require.NoError(t, err)
	require.NoError(t, c.Quiesce(ctx))

	stream, err := js.Stream(ctx, "SAGA_bad")
	require.NoError(t, err)
	var dead *jetstream.RawStreamMsg
	require.Eventually(t, func() bool {
		dead, err = stream.GetLastMsgForSubject(ctx, "bad.dead.inventory")
		return err == nil
	}, 5*time.Second, 5*time.Millisecond)
	assert.Contains(t, dead.Header.Get("Saga-Dead-Reason"), "malformed event")
	assert.Equal(t, "bad.events.order.placed", dead.Header.Get("Saga-Dead-Subject"))
	assert.Empty(t, svcs[saga.Inventory].Ledger.Snapshot().Entries, "nothing was applied")
}
