package saga

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
)

// Event is the message every choreography event carries: the whole order,
// so each service can act (and undo) without asking another one.
type Event struct {
	Type   EventType `json:"type"`
	Order  Order     `json:"order"`
	Reason string    `json:"reason,omitempty"`
}

// reaction is what a service does with an event: run a step and announce
// the outcome.
type reaction struct {
	step       Step
	onApplied  EventType
	onDeclined EventType // "" for compensations, which never decline
}

// reactions is the choreography, service by service. Read down a column
// and you have the saga; no component holds it.
var reactions = map[string]map[EventType]reaction{
	Inventory: {
		OrderPlaced:     {Reserve, StockReserved, StockRejected},
		PaymentDeclined: {Release, StockReleased, ""},
		PaymentRefunded: {Release, StockReleased, ""},
	},
	Payment: {
		StockReserved:  {Charge, PaymentCharged, PaymentDeclined},
		ShipmentFailed: {Refund, PaymentRefunded, ""},
	},
	Shipping: {
		PaymentCharged: {Book, ShipmentBooked, ShipmentFailed},
	},
}

// terminal maps the events that end a saga to its outcome; the orders
// service listens to them.
var terminal = map[EventType]Status{
	StockRejected:  Compensated,
	ShipmentBooked: Completed,
	StockReleased:  Compensated,
}
