package shop

import "github.com/patternlab/patternlab/patterns/saga/ledger"

// Step is one local transaction of the saga, forward (T1..T3) or
// compensating (C1, C2). Shipping is the last step, the pivot: once it is
// booked the saga has succeeded, so it has no compensation.
type Step string

// The steps, in the order they run.
const (
	Reserve Step = "reserve" // T1, inventory: available -> reserved
	Charge  Step = "charge"  // T2, payment: take the money
	Book    Step = "book"    // T3, shipping: book the shipment (the pivot)
	Refund  Step = "refund"  // C2, payment: give the money back
	Release Step = "release" // C1, inventory: reserved -> available
)

// Forward lists T1..Tn in order.
var Forward = []Step{Reserve, Charge, Book}

// Steps lists every step: T1..T3, then the compensations last first.
var Steps = []Step{Reserve, Charge, Book, Refund, Release}

// Key is the idempotency key of this step of saga.
func (s Step) Key(saga string) ledger.Key { return ledger.Key{Saga: saga, Step: string(s)} }

// Compensation returns the step that undoes s, if s has one.
func (s Step) Compensation() (Step, bool) {
	switch s {
	case Reserve:
		return Release, true
	case Charge:
		return Refund, true
	}
	return "", false
}

// Compensates returns the forward step that s undoes, if s is a compensation.
func (s Step) Compensates() (Step, bool) {
	switch s {
	case Release:
		return Reserve, true
	case Refund:
		return Charge, true
	}
	return "", false
}

// Service names the service that owns the step's state.
func (s Step) Service() string {
	switch s {
	case Reserve, Release:
		return Inventory
	case Charge, Refund:
		return Payment
	case Book:
		return Shipping
	}
	return "unknown"
}

// Rank orders a saga's steps for its story: T1..T3, then C2, C1.
func (s Step) Rank() int {
	for i, f := range Steps {
		if s == f {
			return i
		}
	}
	return len(Steps)
}

// The services, each owning its own store.
const (
	Inventory = "inventory"
	Payment   = "payment"
	Shipping  = "shipping"
)

// Services lists the three services in saga order.
var Services = []string{Inventory, Payment, Shipping}
