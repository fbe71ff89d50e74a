package shop

import (
	"fmt"
	"math/rand/v2"
)

// Order is one business transaction, and so one saga: reserve Qty units of
// SKU, charge Amount, book a shipment. Its ID is the saga's ID.
type Order struct {
	ID     string `json:"id"`
	SKU    string `json:"sku"`
	Qty    int    `json:"qty"`
	Amount Cents  `json:"amount"`
}

// What describes the goods and the price: "2 x lamp for 80.00".
func (o Order) What() string { return fmt.Sprintf("%d x %s for %s", o.Qty, o.SKU, o.Amount) }

// Cents is an amount of money in cents: money is never a float.
type Cents int64

func (c Cents) String() string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// Catalog is what the shop sells and the unit price of each SKU.
var Catalog = []struct {
	SKU   string
	Price Cents
}{
	{"lamp", 4000},
	{"desk", 12000},
	{"chair", 6500},
}

// InitialStock is the stock of each SKU when a run starts; large enough that
// no order fails for want of stock, so every failure is an injected one.
const InitialStock = 1000

// NewOrders returns n orders, order-1..order-n, drawn from the catalog with a
// seeded generator: the same seed gives the same orders.
func NewOrders(n int, seed uint64) []Order {
	rng := rand.New(rand.NewPCG(seed, 0x5a6a))
	orders := make([]Order, n)
	for i := range orders {
		item := Catalog[rng.IntN(len(Catalog))]
		qty := 1 + rng.IntN(3)
		orders[i] = Order{
			ID:     fmt.Sprintf("order-%d", i+1),
			SKU:    item.SKU,
			Qty:    qty,
			Amount: item.Price * Cents(qty),
		}
	}
	return orders
}
