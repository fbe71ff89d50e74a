package choreography_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/saga/choreography"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }

func services(t *testing.T, o shop.Options) map[string]*shop.Service {
	t.Helper()
	svcs, err := shop.NewServices(o)
	require.NoError(t, err)
	return svcs
}

func snapshots(svcs map[string]*shop.Service) map[string]ledger.Snapshot {
	out := map[string]ledger.Snapshot{}
	for name, s := range svcs {
		out[name] = s.Ledger.Snapshot()
	}
	return out
}

// start runs a choreography of svcs under prefix, every event published
// twice when dups, and closes it when the test ends.
func start(t *testing.T, ctx context.Context, url, prefix string, svcs map[string]*shop.Service, plan *shop.Plan, dups bool) *choreography.Choreography {
	t.Helper()
	c, err := choreography.Start(ctx, url, svcs, choreography.Options{ParticipantOptions: choreography.ParticipantOptions{
		// The default AckWait (5s): nothing crashes mid-message here, and a
		// shorter one would redeliver slow handlers on a loaded machine.
		Prefix: prefix, Plan: plan, DuplicateEvents: dups, RetryDelay: 5 * time.Millisecond,
	}})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

func placeAll(t *testing.T, ctx context.Context, c *choreography.Choreography, orders []shop.Order) {
	t.Helper()
	for _, o := range orders {
		require.NoError(t, c.Place(ctx, o))
	}
	for _, o := range orders {
		_, err := c.Wait(ctx, o.ID)
		require.NoError(t, err)
	}
	require.NoError(t, c.Quiesce(ctx))
}

// Every choreography event is delivered twice (published twice under
// different message IDs, so the stream cannot de-duplicate them): each
// service absorbs every second copy, and the invariant holds.
//
// Fault: duplicate | target: every choreography event, published twice under different message IDs | invariant: each service absorbs the second copy; every saga completed or fully compensated, no step applied twice
func TestDuplicateDeliveryOfEveryEventIsAbsorbed(t *testing.T) {
	url := labtest.NATS(t).ClientURL()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	types := map[string]bool{}
	for seed := uint64(1); seed <= 5; seed++ {
		orders := shop.NewOrders(16, seed)
		plan := shop.NewPlan(orders, seed, 0.35)
		svcs := services(t, shop.Options{Ledger: ledger.Options{Inject: plan}})
		c := start(t, ctx, url, "dup"+string(rune('0'+seed)), svcs, plan, true)
		placeAll(t, ctx, c, orders)
		r := shop.Verify(orders, c.Outcomes(), snapshots(svcs))
		require.Empty(t, r.Violations, "seed %d", seed)
		for _, s := range snapshots(svcs) {
			for k, e := range s.Entries {
				if e.Effect != "" {
					assert.GreaterOrEqual(t, e.Duplicates, 1, "seed %d: %s saw its event once", seed, k)
					types[k[strings.LastIndexByte(k, '/')+1:]] = true
				}
			}
		}
		assert.Equal(t, len(orders), c.Board().Repeats(), "seed %d: every terminal event came twice", seed)
	}
	assert.Len(t, types, 5, "the events of every step, compensations included, were duplicated")
}

// Why the keys exist: the same duplicates without them break the invariant.
func TestWithoutIdempotencyDuplicatesBreakTheInvariant(t *testing.T) {
	url := labtest.NATS(t).ClientURL()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	orders := shop.NewOrders(10, 1)
	svcs := services(t, shop.Options{Ledger: ledger.Options{UnsafeNoIdempotency: true}})
	c := start(t, ctx, url, "unsafe", svcs, nil, true)
	placeAll(t, ctx, c, orders)
	r := shop.Verify(orders, c.Outcomes(), snapshots(svcs))
	assert.Contains(t, r.AppliedTwice, "order-1/charge applied 2 times")
	assert.NotEqual(t, r.CompletedAmount, r.Charged-r.Refunded, "customers paid more than their orders")
}

func TestACrashedServiceResumesFromItsDurableConsumer(t *testing.T) {
	url := labtest.NATS(t).ClientURL()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	orders := shop.NewOrders(10, 4)
	svcs := services(t, shop.Options{})
	c := start(t, ctx, url, "crash", svcs, nil, false)
	require.NoError(t, c.Crash(shop.Payment))
	for _, o := range orders {
		require.NoError(t, c.Place(ctx, o))
	}
	require.Eventually(t, func() bool {
		n, err := c.Backlog(ctx, shop.Payment)
		return err == nil && n == len(orders)
	}, 30*time.Second, 5*time.Millisecond, "every reservation waits for payment")
	assert.Empty(t, c.Outcomes(), "no saga can end while payment is down")

	require.NoError(t, c.Restart(ctx, shop.Payment))
	for _, o := range orders {
		out, err := c.Wait(ctx, o.ID)
		require.NoError(t, err)
		assert.Equal(t, shop.Completed, out.Status)
	}
	require.NoError(t, c.Quiesce(ctx))
	r := shop.Verify(orders, c.Outcomes(), snapshots(svcs))
	assert.Empty(t, r.Violations)
}

// A malformed event, or one on a subject its type does not match, cannot
// be handled: it is stored in the dead-letter stream with the reason and
// its subject, then acknowledged; nothing is applied, nothing retried.
//
// Fault: bad-input | target: the services: a malformed event, and one on a subject its type does not match | invariant: stored in the dead-letter stream with the reason and subject, then acked; nothing applied, nothing retried
func TestMalformedAndForeignEventsAreDeadLettered(t *testing.T) {
	url := labtest.NATS(t).ClientURL()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	svcs := services(t, shop.Options{})
	c := start(t, ctx, url, "bad", svcs, nil, false)
	js := labtest.JetStream(t, url)
	_, err := js.Publish(ctx, "bad.events.order.placed", []byte(`{"type":"order.placed","order":`))
	require.NoError(t, err)
	_, err = js.Publish(ctx, "bad.events.order.placed", []byte(`{"type":"payment.charged","order":{"id":"order-1"}}`))
	require.NoError(t, err)
	_, err = js.Publish(ctx, "bad.events.shipment.booked", []byte(`not json`))
	require.NoError(t, err)
	require.NoError(t, c.Quiesce(ctx))

	letters, err := c.DeadLetters(ctx)
	require.NoError(t, err)
	require.Len(t, letters, 3)
	reasons := map[string]string{}
	for _, l := range letters {
		reasons[l.Reason] = l.Subject
	}
	var got []string
	for r, s := range reasons {
		got = append(got, s+": "+r)
	}
	assert.Contains(t, strings.Join(got, "\n"), "bad.events.order.placed: malformed event: unexpected end of JSON input")
	assert.Contains(t, strings.Join(got, "\n"), `bad.events.order.placed: inventory does not react to "payment.charged" on bad.events.order.placed`)
	assert.Contains(t, strings.Join(got, "\n"), "bad.events.shipment.booked: orders cannot use")
	assert.Empty(t, svcs[shop.Inventory].Ledger.Snapshot().Entries, "nothing was applied")
	n, err := c.Backlog(ctx, shop.Inventory)
	require.NoError(t, err)
	assert.Zero(t, n, "acknowledged, not redelivered")
}

// A stream of the choreography's name that this run did not create is
// neither reused nor deleted; with DeleteOnClose the streams the run
// created are deleted, and only those.
func TestAnExistingStreamIsLeftAlone(t *testing.T) {
	url := labtest.NATS(t).ClientURL()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	js := labtest.JetStream(t, url)
	_, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: choreography.StreamName("shared"), Subjects: []string{"theirs.>"}})
	require.NoError(t, err)
	_, err = choreography.Start(ctx, url, services(t, shop.Options{}), choreography.Options{ParticipantOptions: choreography.ParticipantOptions{Prefix: "shared"}})
	require.ErrorIs(t, err, choreography.ErrStreamExists)
	s, err := js.Stream(ctx, choreography.StreamName("shared"))
	require.NoError(t, err, "still there")
	assert.Equal(t, []string{"theirs.>"}, s.CachedInfo().Config.Subjects, "unchanged")

	c, err := choreography.Start(ctx, url, services(t, shop.Options{}), choreography.Options{
		ParticipantOptions: choreography.ParticipantOptions{Prefix: "mine"}, DeleteOnClose: true,
	})
	require.NoError(t, err)
	c.Close()
	for _, name := range []string{choreography.StreamName("mine"), choreography.DeadLetterStreamName("mine")} {
		_, err := js.Stream(ctx, name)
		assert.ErrorIs(t, err, jetstream.ErrStreamNotFound, "%s deleted", name)
	}
	_, err = js.Stream(ctx, choreography.StreamName("shared"))
	assert.NoError(t, err, "the foreign stream survived")
}

// With compensation off, nobody reacts to a failure event and the orders
// service ends the saga failed; with compensation retries off, a failing
// compensation gives up and says so. Both leave stock reserved.
func TestWithoutCompensationTheStockStaysReserved(t *testing.T) {
	url := labtest.NATS(t).ClientURL()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	orders := shop.NewOrders(8, 82)
	plan := shop.NewPlan(orders, 82, 0.3)
	for _, tt := range []struct {
		prefix string
		unsafe choreography.Unsafe
		want   string
	}{
		{"nocomp", choreography.Unsafe{NoCompensation: true}, "compensation is off"},
		{"noretry", choreography.Unsafe{NoCompensationRetries: true}, "gave up after 1 attempt"},
	} {
		svcs := services(t, shop.Options{Ledger: ledger.Options{Inject: plan}})
		c, err := choreography.Start(ctx, url, svcs, choreography.Options{ParticipantOptions: choreography.ParticipantOptions{
			Prefix: tt.prefix, Plan: plan, RetryDelay: 5 * time.Millisecond, Unsafe: tt.unsafe,
		}})
		require.NoError(t, err)
		t.Cleanup(c.Close)
		placeAll(t, ctx, c, orders)
		r := shop.Verify(orders, c.Outcomes(), snapshots(svcs))
		joined := strings.Join(r.Violations, "\n")
		assert.Contains(t, joined, tt.want, tt.prefix)
		assert.Contains(t, joined, "stayed reserved", tt.prefix)
	}
}
