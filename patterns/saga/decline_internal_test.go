package saga

import (
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// decline-step refuses what it cannot do now, with the reason, and takes
// only an eligible step: a charge or booking of a saga the schedule leaves
// alone from there on, on its first delivery.
func TestDeclineStepRefusesWhatItCannotDoNow(t *testing.T) {
	cfg := DefaultConfig()
	orders := shop.NewOrders(cfg.Orders, cfg.Seed)
	plan := shop.NewPlan(orders, cfg.Seed, cfg.FaultRate)
	n := narrate.New(io.Discard)
	d := newDeclines(n, plan, orders, shop.Orchestration)
	services, err := shop.NewServices(shop.Options{Ledger: ledger.Options{Inject: d}})
	require.NoError(t, err)
	d.services = services

	var eligible ledger.Key
	for _, o := range orders {
		if d.eligible(o.ID, shop.Charge) {
			eligible = shop.Charge.Key(o.ID)
			break
		}
	}
	require.NotEmpty(t, eligible.Saga, "the default schedule leaves some saga's charge alone")
	for _, o := range orders {
		if plan.Fault(shop.Reserve.Key(o.ID)).Decline != "" {
			assert.False(t, d.eligible(o.ID, shop.Charge), "%s is declined at its reserve: its charge never comes", o.ID)
		}
	}
	assert.NoError(t, d.Inject(eligible, 1), "nothing requested: the schedule alone decides")

	assert.EqualError(t, d.request(), "act 2's sagas are over", "not before the offer")
	withdraw := d.offer()
	require.NoError(t, d.request())
	assert.ErrorContains(t, d.request(), "already requested", "one request at a time")

	assert.NoError(t, d.Inject(shop.Reserve.Key(eligible.Saga), 1), "a reservation is never the one declined (and this saga's is not scheduled to fail)")
	assert.NoError(t, d.Inject(eligible, 2), "only a first delivery is declined")
	var declined *ledger.DeclinedError
	require.True(t, errors.As(d.Inject(eligible, 1), &declined), "the eligible charge is declined")
	assert.Equal(t, reasonOnRequest, declined.Reason)
	assert.NotNil(t, d.requested(eligible), "its planned fault is found by the saga's story")
	assert.NoError(t, d.Inject(eligible, 1), "one request, one decline")

	for _, o := range orders {
		d.finish(o.ID)
	}
	assert.ErrorContains(t, d.request(), "no saga still to run", "nothing left to decline")
	withdraw()
	assert.EqualError(t, d.request(), "act 2's sagas are over")
	assert.False(t, n.Held(), "the accepted request's planned fault has not been fired here")
}
