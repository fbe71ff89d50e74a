package choreography_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/patternlab/patternlab/patterns/saga/choreography"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// Who tells each service to run each step, read from the reactions.
func TestTriggersNameWhoEmitsEachStepsEvent(t *testing.T) {
	for step, want := range map[shop.Step][]choreography.Trigger{
		shop.Reserve: {{Event: choreography.OrderPlaced, From: "orders"}},
		shop.Charge:  {{Event: choreography.StockReserved, From: shop.Inventory}},
		shop.Book:    {{Event: choreography.PaymentCharged, From: shop.Payment}},
		shop.Refund:  {{Event: choreography.ShipmentFailed, From: shop.Shipping}},
		shop.Release: {{Event: choreography.PaymentDeclined, From: shop.Payment}, {Event: choreography.PaymentRefunded, From: shop.Payment}},
	} {
		assert.Equal(t, want, choreography.Triggers(step), "%s", step)
	}
}
