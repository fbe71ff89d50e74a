package shop

import (
	"fmt"

	"github.com/patternlab/patternlab/patterns/saga/ledger"
)

// Service is one of the three services of the shop (inventory, payment,
// shipping) with its own ledger. Both styles use the same Service: the
// orchestrated one answers requests from Temporal activities, the
// choreographed one reacts to events. Only the wiring differs.
type Service struct {
	Name   string
	Ledger *ledger.Ledger

	tombstones bool
}

// Counter names in the services' ledgers.
func available(sku string) string { return "available/" + sku }
func reserved(sku string) string  { return "reserved/" + sku }
func shipped(sku string) string   { return "shipped/" + sku }

const (
	charged  = "charged"
	refunded = "refunded"
)

// Options configures a service.
type Options struct {
	Ledger ledger.Options
	// UnsafeNoTombstones lets a forward step apply after its own
	// compensation ran (a request delayed in the network): exactly the bug
	// the tombstones prevent. Demos and tests use it to show why.
	UnsafeNoTombstones bool
}

// NewService opens the ledger of service name (one of Services). An empty
// inventory starts with InitialStock of every catalog SKU.
func NewService(name string, o Options) (*Service, error) {
	lo := o.Ledger
	switch name {
	case Inventory:
		lo.Counters = map[string]int64{}
		for _, item := range Catalog {
			lo.Counters[available(item.SKU)] = InitialStock
		}
	case Payment, Shipping:
	default:
		return nil, fmt.Errorf("unknown service %q (want one of %v)", name, Services)
	}
	l, err := ledger.Open(name, lo)
	if err != nil {
		return nil, err
	}
	return &Service{Name: name, Ledger: l, tombstones: !o.UnsafeNoTombstones}, nil
}

// NewServices opens a fresh ledger for each of the three services.
func NewServices(o Options) (map[string]*Service, error) {
	out := map[string]*Service{}
	for _, name := range Services {
		s, err := NewService(name, o)
		if err != nil {
			return nil, err
		}
		out[name] = s
	}
	return out, nil
}

// Do runs one delivery of step for order o: idempotent, keyed by (o.ID, step).
func (s *Service) Do(step Step, o Order) (ledger.Result, error) {
	if step.Service() != s.Name {
		return ledger.Result{}, fmt.Errorf("%s does not own step %s", s.Name, step)
	}
	return s.Ledger.Exec(step.Key(o.ID), s.rule(step, o))
}

// Settle decides step of saga for a caller that stopped trying it: the
// recorded outcome, or a tombstone (see ledger.Ledger.Settle).
func (s *Service) Settle(step Step, saga, reason string) (ledger.Entry, error) {
	if step.Service() != s.Name {
		return ledger.Entry{}, fmt.Errorf("%s does not own step %s", s.Name, step)
	}
	return s.Ledger.Settle(step.Key(saga), reason)
}

// rule returns the business rule of step for order o.
func (s *Service) rule(step Step, o Order) ledger.Apply {
	switch step {
	case Reserve:
		return func(tx *ledger.Tx) (ledger.Entry, error) {
			if err := s.refuseIfCompensated(tx, o, Release); err != nil {
				return ledger.Entry{}, err
			}
			if tx.Counter(available(o.SKU)) < int64(o.Qty) {
				return ledger.Entry{}, &ledger.DeclinedError{Key: Reserve.Key(o.ID), Reason: "out of stock"}
			}
			tx.Add(available(o.SKU), -int64(o.Qty))
			tx.Add(reserved(o.SKU), int64(o.Qty))
			return ledger.Entry{Effect: ledger.Applied, Item: o.SKU, Units: o.Qty}, nil
		}
	case Release:
		return func(tx *ledger.Tx) (ledger.Entry, error) {
			r, ok := tx.Entry(Reserve.Key(o.ID))
			if !ok || r.Effect != ledger.Applied {
				return ledger.Entry{Effect: ledger.NothingToUndo}, nil
			}
			// Undo exactly what was reserved, read from the record, not
			// from the request.
			tx.Add(reserved(r.Item), -int64(r.Units))
			tx.Add(available(r.Item), int64(r.Units))
			return ledger.Entry{Effect: ledger.Applied, Item: r.Item, Units: r.Units}, nil
		}
	case Charge:
		return func(tx *ledger.Tx) (ledger.Entry, error) {
			if err := s.refuseIfCompensated(tx, o, Refund); err != nil {
				return ledger.Entry{}, err
			}
			tx.Add(charged, int64(o.Amount))
			return ledger.Entry{Effect: ledger.Applied, Amount: int64(o.Amount)}, nil
		}
	case Refund:
		return func(tx *ledger.Tx) (ledger.Entry, error) {
			c, ok := tx.Entry(Charge.Key(o.ID))
			if !ok || c.Effect != ledger.Applied {
				return ledger.Entry{Effect: ledger.NothingToUndo}, nil
			}
			tx.Add(refunded, c.Amount)
			return ledger.Entry{Effect: ledger.Applied, Amount: c.Amount}, nil
		}
	case Book:
		return func(tx *ledger.Tx) (ledger.Entry, error) {
			tx.Add(shipped(o.SKU), int64(o.Qty))
			return ledger.Entry{Effect: ledger.Applied, Item: o.SKU, Units: o.Qty}, nil
		}
	}
	return func(*ledger.Tx) (ledger.Entry, error) { return ledger.Entry{}, fmt.Errorf("unknown step %q", step) }
}

// refuseIfCompensated declines a forward step that arrives after its own
// compensation ran (a request delayed in the network, a retry after a
// timeout): applying it now would leave an effect nobody will ever undo.
// The compensation's record is the tombstone.
func (s *Service) refuseIfCompensated(tx *ledger.Tx, o Order, compensation Step) error {
	if !s.tombstones {
		return nil
	}
	if _, ok := tx.Entry(compensation.Key(o.ID)); ok {
		fwd, _ := compensation.Compensates()
		return &ledger.DeclinedError{Key: fwd.Key(o.ID), Reason: "already compensated"}
	}
	return nil
}
