package shop_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// Verify reads the ledgers, not the outcomes' word: each way a saga can be
// left half done is named, with the order it concerns.
func TestVerifyNamesEveryHalfDoneSaga(t *testing.T) {
	orders := []shop.Order{
		{ID: "order-1", SKU: "lamp", Qty: 1, Amount: 4000},
		{ID: "order-2", SKU: "desk", Qty: 1, Amount: 12000},
		{ID: "order-3", SKU: "chair", Qty: 1, Amount: 6500},
	}
	svcs, err := shop.NewServices(shop.Options{})
	require.NoError(t, err)
	do := func(s shop.Step, o shop.Order) {
		_, err := svcs[s.Service()].Do(s, o)
		require.NoError(t, err)
	}
	// order-1: reserved and charged, then "compensated" without undoing.
	do(shop.Reserve, orders[0])
	do(shop.Charge, orders[0])
	// order-2: compensated properly, but its shipment was booked.
	do(shop.Reserve, orders[1])
	do(shop.Charge, orders[1])
	do(shop.Book, orders[1])
	do(shop.Refund, orders[1])
	do(shop.Release, orders[1])
	// order-3: no outcome at all.
	snaps := map[string]ledger.Snapshot{}
	for name, s := range svcs {
		snaps[name] = s.Ledger.Snapshot()
	}
	r := shop.Verify(orders, map[string]shop.Outcome{
		"order-1": {Saga: "order-1", Status: shop.Compensated},
		"order-2": {Saga: "order-2", Status: shop.Compensated},
	}, snaps)
	assert.Contains(t, r.Violations, "order-1 stayed reserved: 1 lamp reserved, never released")
	assert.Contains(t, r.Violations, "order-1 stayed charged: 40.00 taken, never refunded")
	assert.Contains(t, r.Violations, "order-2 compensated but its shipment is booked")
	assert.Contains(t, r.Violations, "order-3 is stuck: neither completed nor compensated")
	assert.Contains(t, r.Violations, "money: charged 160.00 - refunded 120.00 = 40.00, completed orders are worth 0.00")

	r = shop.Verify(orders[:1], map[string]shop.Outcome{"order-1": {Saga: "order-1", Status: shop.Failed, Reason: "gave up"}}, snaps)
	assert.Contains(t, r.Violations, "order-1 ended failed (gave up): neither completed nor compensated")
}

func TestVerifyHoldsForACleanRun(t *testing.T) {
	o := shop.Order{ID: "order-1", SKU: "lamp", Qty: 2, Amount: 8000}
	svcs, err := shop.NewServices(shop.Options{})
	require.NoError(t, err)
	for _, s := range shop.Forward {
		_, err := svcs[s.Service()].Do(s, o)
		require.NoError(t, err)
	}
	snaps := map[string]ledger.Snapshot{}
	for name, s := range svcs {
		snaps[name] = s.Ledger.Snapshot()
	}
	r := shop.Verify([]shop.Order{o}, map[string]shop.Outcome{"order-1": {Saga: "order-1", Status: shop.Completed}}, snaps)
	assert.Empty(t, r.Violations)
	assert.Equal(t, 1, r.Completed)
	assert.Equal(t, shop.Cents(8000), r.CompletedAmount)
}
