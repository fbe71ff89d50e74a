package saga_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/patterns/saga"
)

func newService(t *testing.T, name string, o saga.LedgerOptions) *saga.Service {
	t.Helper()
	s, err := saga.NewService(name, o)
	require.NoError(t, err)
	return s
}

var order7 = saga.Order{ID: "order-7", SKU: "lamp", Qty: 2, Amount: 8000}

func TestADuplicateChargeIsAbsorbedByItsKey(t *testing.T) {
	pay := newService(t, saga.Payment, saga.LedgerOptions{})
	first, err := pay.Do(saga.Charge, order7)
	require.NoError(t, err)
	again, err := pay.Do(saga.Charge, order7)
	require.NoError(t, err)

	assert.False(t, first.Duplicate)
	assert.True(t, again.Duplicate, "the second delivery is recognised")
	assert.Equal(t, first.Entry.Amount, again.Entry.Amount, "and answered with the first outcome")
	s := pay.Ledger.Snapshot()
	assert.Equal(t, int64(8000), s.Counters["charged"], "charged once")
	e, _ := s.Entry(saga.Key{Saga: "order-7", Step: saga.Charge})
	assert.Equal(t, 1, e.Applied)
	assert.Equal(t, 1, e.Duplicates)
}

// Why the keys exist: the same duplicate, without them, charges twice.
func TestWithoutIdempotencyADuplicateChargesTwice(t *testing.T) {
	pay := newService(t, saga.Payment, saga.LedgerOptions{UnsafeNoIdempotency: true})
	_, err := pay.Do(saga.Charge, order7)
	require.NoError(t, err)
	_, err = pay.Do(saga.Charge, order7)
	require.NoError(t, err)
	s := pay.Ledger.Snapshot()
	assert.Equal(t, int64(16000), s.Counters["charged"], "the customer paid twice")
	r := saga.Verify([]saga.Order{order7}, map[string]saga.Outcome{"order-7": {Saga: "order-7", Status: saga.Compensated}},
		map[string]saga.Snapshot{saga.Payment: s})
	assert.Contains(t, r.Violations, "order-7/charge applied 2 times")
}

func TestACompensationIsIdempotentToo(t *testing.T) {
	inv := newService(t, saga.Inventory, saga.LedgerOptions{})
	_, err := inv.Do(saga.Reserve, order7)
	require.NoError(t, err)
	for range 3 {
		_, err = inv.Do(saga.Release, order7)
		require.NoError(t, err)
	}
	s := inv.Ledger.Snapshot()
	assert.Equal(t, int64(saga.InitialStock), s.Counters["available/lamp"], "released once, not three times")
	assert.Zero(t, s.Counters["reserved/lamp"])
}

func TestCompensatingAStepThatNeverRanLeavesATombstone(t *testing.T) {
	pay := newService(t, saga.Payment, saga.LedgerOptions{})
	r, err := pay.Do(saga.Refund, order7)
	require.NoError(t, err)
	assert.Equal(t, saga.NothingToUndo, r.Effect, "nothing was charged, nothing is refunded")

	// The charge request was late (delayed in the network, retried after a
	// timeout): it must not apply now, or nobody would ever refund it.
	_, err = pay.Do(saga.Charge, order7)
	var declined *saga.DeclinedError
	require.ErrorAs(t, err, &declined)
	assert.Equal(t, "already compensated", declined.Reason)
	assert.Zero(t, pay.Ledger.Snapshot().Counters["charged"])
}

func TestADeclineIsRememberedForEveryRetry(t *testing.T) {
	inv := newService(t, saga.Inventory, saga.LedgerOptions{})
	big := order7
	big.Qty = saga.InitialStock + 1
	for range 2 {
		_, err := inv.Do(saga.Reserve, big)
		var declined *saga.DeclinedError
		require.ErrorAs(t, err, &declined)
		assert.Equal(t, "out of stock", declined.Reason)
	}
	e, _ := inv.Ledger.Snapshot().Entry(saga.Key{Saga: "order-7", Step: saga.Reserve})
	assert.Equal(t, 1, e.Duplicates, "the second answer came from the record")
}

func TestAReleaseUndoesWhatWasReservedNotWhatIsAsked(t *testing.T) {
	inv := newService(t, saga.Inventory, saga.LedgerOptions{})
	_, err := inv.Do(saga.Reserve, order7)
	require.NoError(t, err)
	wrong := order7
	wrong.Qty = 50
	r, err := inv.Do(saga.Release, wrong)
	require.NoError(t, err)
	assert.Equal(t, 2, r.Entry.Units)
	assert.Equal(t, int64(saga.InitialStock), inv.Ledger.Snapshot().Counters["available/lamp"])
}

func TestTheLedgerSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "payment.json")
	pay := newService(t, saga.Payment, saga.LedgerOptions{Path: path})
	_, err := pay.Do(saga.Charge, order7)
	require.NoError(t, err)

	again := newService(t, saga.Payment, saga.LedgerOptions{Path: path})
	r, err := again.Do(saga.Charge, order7)
	require.NoError(t, err)
	assert.True(t, r.Duplicate, "the record came back from the file")
	assert.Equal(t, int64(8000), again.Ledger.Snapshot().Counters["charged"])
}

func TestUnknownServiceIsAnError(t *testing.T) {
	_, err := saga.NewService("billing", saga.LedgerOptions{})
	assert.ErrorContains(t, err, `unknown service "billing"`)
	pay := newService(t, saga.Payment, saga.LedgerOptions{})
	_, err = pay.Do(saga.Reserve, order7)
	assert.ErrorContains(t, err, "payment does not own step reserve")
}

func TestThePlanRepeatsForASeedAndFailsACompensation(t *testing.T) {
	orders := saga.NewOrders(20, 3)
	a, b := saga.NewPlan(orders, 3, 0.3), saga.NewPlan(saga.NewOrders(20, 3), 3, 0.3)
	assert.Equal(t, a, b, "same seed, same schedule")
	assert.Equal(t, saga.NewOrders(20, 3), orders)
	failing := 0
	for _, o := range orders {
		for _, c := range []saga.Step{saga.Refund, saga.Release} {
			if a.Fault(saga.Key{Saga: o.ID, Step: c}).Transient > 0 {
				failing++
			}
		}
	}
	assert.Positive(t, failing, "a compensation fails and must be retried")
	assert.NotEqual(t, a.KillWorker.Saga, a.Cancel.Saga)
}
