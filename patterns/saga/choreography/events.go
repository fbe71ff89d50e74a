package choreography

import "github.com/patternlab/patternlab/patterns/saga/shop"

// EventType names a choreography event; the subject is
// "<prefix>.events.<type>".
type EventType string

// The events of the choreographed saga. Each service reacts to some and
// emits others; nobody holds the whole flow.
const (
	OrderPlaced     EventType = "order.placed"     // orders -> inventory
	StockReserved   EventType = "stock.reserved"   // inventory -> payment
	StockRejected   EventType = "stock.rejected"   // inventory -> orders (saga over)
	PaymentCharged  EventType = "payment.charged"  // payment -> shipping
	PaymentDeclined EventType = "payment.declined" // payment -> inventory (release)
	ShipmentBooked  EventType = "shipment.booked"  // shipping -> orders (saga over)
	ShipmentFailed  EventType = "shipment.failed"  // shipping -> payment (refund)
	PaymentRefunded EventType = "payment.refunded" // payment -> inventory (release)
	StockReleased   EventType = "stock.released"   // inventory -> orders (saga over)
	// CompensationFailed: a compensation gave up (only with its retries
	// switched off) -> orders (saga over, failed).
	CompensationFailed EventType = "compensation.failed"
)

// Event is the message every choreography event carries: the whole order,
// so each service can act (and undo) without asking another one.
type Event struct {
	Type   EventType  `json:"type"`
	Order  shop.Order `json:"order"`
	Reason string     `json:"reason,omitempty"`
}

// reaction is what a service does with an event: run a step and announce
// the outcome.
type reaction struct {
	step       shop.Step
	onApplied  EventType
	onDeclined EventType // "" for compensations, which never decline
}

// compensation reports whether the reaction undoes an earlier step.
func (r reaction) compensation() bool { return r.onDeclined == "" }

// reactions is the choreography, service by service. Read down a column
// and you have the saga; no component holds it.
var reactions = map[string]map[EventType]reaction{
	shop.Inventory: {
		OrderPlaced:     {shop.Reserve, StockReserved, StockRejected},
		PaymentDeclined: {shop.Release, StockReleased, ""},
		PaymentRefunded: {shop.Release, StockReleased, ""},
	},
	shop.Payment: {
		StockReserved:  {shop.Charge, PaymentCharged, PaymentDeclined},
		ShipmentFailed: {shop.Refund, PaymentRefunded, ""},
	},
	shop.Shipping: {
		PaymentCharged: {shop.Book, ShipmentBooked, ShipmentFailed},
	},
}

// terminal maps the events that end a saga to its outcome; the orders
// service listens to them.
var terminal = map[EventType]shop.Status{
	StockRejected:      shop.Compensated,
	ShipmentBooked:     shop.Completed,
	StockReleased:      shop.Compensated,
	CompensationFailed: shop.Failed,
}

// withoutCompensation: with compensation switched off, nobody reacts to a
// failure event; the orders service ends the saga there, failed.
var withoutCompensation = map[EventType]shop.Status{
	PaymentDeclined: shop.Failed,
	ShipmentFailed:  shop.Failed,
}

// Triggers lists, in order, the events that make a service run step, each
// with the service (or the orders service) that emits it: read from the
// reactions, for a view that draws who told whom.
func Triggers(step shop.Step) []Trigger {
	var out []Trigger
	for _, e := range []EventType{OrderPlaced, StockReserved, PaymentCharged, PaymentDeclined, ShipmentFailed, PaymentRefunded} {
		if r, ok := reactions[step.Service()][e]; ok && r.step == step {
			out = append(out, Trigger{Event: e, From: emitter(e)})
		}
	}
	return out
}

// Trigger is an event that makes a service run a step, and who emits it.
type Trigger struct {
	Event EventType
	From  string
}

// emitter is the service whose reaction emits e, or the orders service.
func emitter(e EventType) string {
	for service, rs := range reactions {
		for _, r := range rs {
			if r.onApplied == e || r.onDeclined == e {
				return service
			}
		}
	}
	return trackerName
}
