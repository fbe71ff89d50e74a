package saga

import "fmt"

// Service is one of the three services of the shop (inventory, payment,
// shipping) with its own ledger. Both styles use the same Service: the
// orchestrated one answers requests from Temporal activities, the
// choreographed one reacts to events. Only the wiring differs.
type Service struct {
	Name   string
	Ledger *Ledger
}

// Counter names in the services' ledgers.
func available(sku string) string { return "available/" + sku }
func reserved(sku string) string  { return "reserved/" + sku }
func shipped(sku string) string   { return "shipped/" + sku }

const (
	charged  = "charged"
	refunded = "refunded"
)

// NewService opens the ledger of service name (one of Services). An empty
// inventory starts with InitialStock of every catalog SKU.
func NewService(name string, o LedgerOptions) (*Service, error) {
	switch name {
	case Inventory:
		o.Counters = map[string]int64{}
		for _, item := range Catalog {
			o.Counters[available(item.SKU)] = InitialStock
		}
	case Payment, Shipping:
	default:
		return nil, fmt.Errorf("unknown service %q (want one of %v)", name, Services)
	}
	l, err := OpenLedger(name, o)
	if err != nil {
		return nil, err
	}
	return &Service{Name: name, Ledger: l}, nil
}

// Do runs one delivery of step for order o: idempotent, keyed by (o.ID, step).
func (s *Service) Do(step Step, o Order) (Result, error) {
	if step.Service() != s.Name {
		return Result{}, fmt.Errorf("%s does not own step %s", s.Name, step)
	}
	return s.Ledger.Exec(Key{Saga: o.ID, Step: step}, rule(step, o))
}

// rule returns the business rule of step for order o.
func rule(step Step, o Order) Apply {
	switch step {
	case Reserve:
		return func(tx *Tx) (Entry, error) {
			if err := refuseIfCompensated(tx, o, Release); err != nil {
				return Entry{}, err
			}
			if tx.Counter(available(o.SKU)) < int64(o.Qty) {
				return Entry{}, &DeclinedError{Key: Key{o.ID, Reserve}, Reason: "out of stock"}
			}
			tx.Add(available(o.SKU), -int64(o.Qty))
			tx.Add(reserved(o.SKU), int64(o.Qty))
			return Entry{Effect: Applied, SKU: o.SKU, Units: o.Qty}, nil
		}
	case Release:
		return func(tx *Tx) (Entry, error) {
			r, ok := tx.Entry(Key{o.ID, Reserve})
			if !ok || r.Effect != Applied {
				return Entry{Effect: NothingToUndo}, nil
			}
			// Undo exactly what was reserved, read from the record, not
			// from the request.
			tx.Add(reserved(r.SKU), -int64(r.Units))
			tx.Add(available(r.SKU), int64(r.Units))
			return Entry{Effect: Applied, SKU: r.SKU, Units: r.Units}, nil
		}
	case Charge:
		return func(tx *Tx) (Entry, error) {
			if err := refuseIfCompensated(tx, o, Refund); err != nil {
				return Entry{}, err
			}
			tx.Add(charged, int64(o.Amount))
			return Entry{Effect: Applied, Amount: o.Amount}, nil
		}
	case Refund:
		return func(tx *Tx) (Entry, error) {
			c, ok := tx.Entry(Key{o.ID, Charge})
			if !ok || c.Effect != Applied {
				return Entry{Effect: NothingToUndo}, nil
			}
			tx.Add(refunded, int64(c.Amount))
			return Entry{Effect: Applied, Amount: c.Amount}, nil
		}
	case Book:
		return func(tx *Tx) (Entry, error) {
			tx.Add(shipped(o.SKU), int64(o.Qty))
			return Entry{Effect: Applied, SKU: o.SKU, Units: o.Qty}, nil
		}
	}
	return func(*Tx) (Entry, error) { return Entry{}, fmt.Errorf("unknown step %q", step) }
}

// refuseIfCompensated declines a forward step that arrives after its own
// compensation ran (a request delayed in the network, a retry after a
// timeout): applying it now would leave an effect nobody will ever undo.
func refuseIfCompensated(tx *Tx, o Order, compensation Step) error {
	if _, ok := tx.Entry(Key{o.ID, compensation}); ok {
		fwd, _ := compensation.Compensates()
		return &DeclinedError{Key: Key{o.ID, fwd}, Reason: "already compensated"}
	}
	return nil
}
