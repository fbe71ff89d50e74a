package shop_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }

func newService(t *testing.T, name string, o shop.Options) *shop.Service {
	t.Helper()
	s, err := shop.NewService(name, o)
	require.NoError(t, err)
	return s
}

var order7 = shop.Order{ID: "order-7", SKU: "lamp", Qty: 2, Amount: 8000}

// Fault: duplicate | target: the inventory service, a release delivered three times | invariant: released once, not three times
func TestACompensationIsIdempotentToo(t *testing.T) {
	inv := newService(t, shop.Inventory, shop.Options{})
	_, err := inv.Do(shop.Reserve, order7)
	require.NoError(t, err)
	for range 3 {
		_, err = inv.Do(shop.Release, order7)
		require.NoError(t, err)
	}
	s := inv.Ledger.Snapshot()
	assert.Equal(t, int64(shop.InitialStock), s.Counters["available/lamp"], "released once, not three times")
	assert.Zero(t, s.Counters["reserved/lamp"])
}

func TestCompensatingAStepThatNeverRanLeavesATombstone(t *testing.T) {
	pay := newService(t, shop.Payment, shop.Options{})
	r, err := pay.Do(shop.Refund, order7)
	require.NoError(t, err)
	assert.Equal(t, ledger.NothingToUndo, r.Effect, "nothing was charged, nothing is refunded")

	// The charge request was late (delayed in the network, retried after a
	// timeout): it must not apply now, or nobody would ever refund it.
	_, err = pay.Do(shop.Charge, order7)
	var declined *ledger.DeclinedError
	require.ErrorAs(t, err, &declined)
	assert.Equal(t, "already compensated", declined.Reason)
	assert.Zero(t, pay.Ledger.Snapshot().Counters["charged"])
}

// Why the tombstones exist: without them the late charge applies after its
// refund ran, and nobody will refund it.
func TestWithoutTombstonesALateChargeStaysCharged(t *testing.T) {
	pay := newService(t, shop.Payment, shop.Options{UnsafeNoTombstones: true})
	_, err := pay.Do(shop.Refund, order7)
	require.NoError(t, err)
	_, err = pay.Do(shop.Charge, order7)
	require.NoError(t, err)
	s := pay.Ledger.Snapshot()
	r := shop.Verify([]shop.Order{order7}, map[string]shop.Outcome{"order-7": {Saga: "order-7", Status: shop.Compensated}},
		map[string]ledger.Snapshot{shop.Payment: s})
	assert.Contains(t, r.Violations, "order-7 stayed charged: 80.00 taken, never refunded")
}

func TestAReleaseUndoesWhatWasReservedNotWhatIsAsked(t *testing.T) {
	inv := newService(t, shop.Inventory, shop.Options{})
	_, err := inv.Do(shop.Reserve, order7)
	require.NoError(t, err)
	wrong := order7
	wrong.Qty = 50
	r, err := inv.Do(shop.Release, wrong)
	require.NoError(t, err)
	assert.Equal(t, 2, r.Entry.Units)
	assert.Equal(t, int64(shop.InitialStock), inv.Ledger.Snapshot().Counters["available/lamp"])
}

func TestOutOfStockIsADecline(t *testing.T) {
	inv := newService(t, shop.Inventory, shop.Options{})
	big := order7
	big.Qty = shop.InitialStock + 1
	_, err := inv.Do(shop.Reserve, big)
	var declined *ledger.DeclinedError
	require.ErrorAs(t, err, &declined)
	assert.Equal(t, "out of stock", declined.Reason)
}

func TestSettleAnswersForTheStepsOwner(t *testing.T) {
	ship := newService(t, shop.Shipping, shop.Options{})
	_, err := ship.Do(shop.Book, order7)
	require.NoError(t, err)
	e, err := ship.Settle(shop.Book, order7.ID, "gave up")
	require.NoError(t, err)
	assert.Equal(t, ledger.Applied, e.Effect)
	_, err = ship.Settle(shop.Charge, order7.ID, "gave up")
	assert.ErrorContains(t, err, "shipping does not own step charge")
}

func TestUnknownServiceIsAnError(t *testing.T) {
	_, err := shop.NewService("billing", shop.Options{})
	assert.ErrorContains(t, err, `unknown service "billing"`)
	pay := newService(t, shop.Payment, shop.Options{})
	_, err = pay.Do(shop.Reserve, order7)
	assert.ErrorContains(t, err, "payment does not own step reserve")
}
