package saga

import (
	"errors"
	"fmt"
	"sync"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// FaultDeclineStep is the second fault act 2 offers, on either backend.
const FaultDeclineStep = "decline-step"

// reasonOnRequest is the reason a step declined on request gives.
const reasonOnRequest = "declined on request in the lab"

// declines is act 2's decline-step on demand (the lab's button): the
// services' injector, which declines the next charge or booking that
// reaches its participant once a learner asked for it. The services then
// answer a business failure, as they do for a scheduled decline, and the
// workflow must compensate what had applied before it.
//
// Only a step of a saga the schedule leaves alone from that step on is
// declined: a decline there cannot keep a planned fault from happening
// (each must fire, or the verdict says so). The reserve is never the one
// declined: it has nothing before it to compensate, and the button is
// there to show a compensation. A requested decline is planned when it is
// accepted and fired when the saga's story is told, so one that never
// happened makes the verdict VIOLATED.
type declines struct {
	n        *narrate.Narrator
	plan     *shop.Plan
	orders   []shop.Order
	services map[string]*shop.Service
	// after is, per saga, the rank of the last step with a planned fault
	// (-1: none); a step is eligible only past it.
	after map[string]int

	mu       sync.Mutex
	open     bool
	pending  []*narrate.PlannedFault
	took     map[ledger.Key]*narrate.PlannedFault
	finished map[string]bool
}

func newDeclines(n *narrate.Narrator, plan *shop.Plan, orders []shop.Order, style shop.Style) *declines {
	d := &declines{n: n, plan: plan, orders: orders, after: map[string]int{},
		took: map[ledger.Key]*narrate.PlannedFault{}, finished: map[string]bool{}}
	for _, o := range orders {
		d.after[o.ID] = -1
	}
	for _, e := range plan.Expected(style) {
		d.after[e.Key.Saga] = max(d.after[e.Key.Saga], shop.Step(e.Key.Step).Rank())
	}
	return d
}

// eligible says whether a requested decline may take step s of saga: a
// charge or booking past the saga's last planned fault, which the saga
// reaches (no step before it is declined by the schedule).
func (d *declines) eligible(saga string, s shop.Step) bool {
	if s != shop.Charge && s != shop.Book || s.Rank() <= d.after[saga] {
		return false
	}
	for _, before := range shop.Forward[:s.Rank()] {
		if d.plan.Fault(before.Key(saga)).Decline != "" {
			return false
		}
	}
	return true
}

// Inject is the services' injector: the schedule's faults first, then a
// requested decline, on the first delivery of an eligible step.
func (d *declines) Inject(k ledger.Key, attempt int) error {
	if err := d.plan.Inject(k, attempt); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.pending) == 0 || attempt != 1 || !d.eligible(k.Saga, shop.Step(k.Step)) {
		return nil
	}
	d.took[k], d.pending = d.pending[0], d.pending[1:]
	return &ledger.DeclinedError{Key: k, Reason: reasonOnRequest}
}

// requested is the planned fault of a decline on request that took k.
func (d *declines) requested(k ledger.Key) *narrate.PlannedFault {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.took[k]
}

// finish records that a saga is over: none of its steps is to come.
func (d *declines) finish(saga string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.finished[saga] = true
}

// ahead names the first eligible step still to reach its participant, or "".
// It reads the services' ledgers, so it is called without d.mu (the
// ledgers call Inject with their own lock held).
func (d *declines) ahead(finished map[string]bool) string {
	for _, o := range d.orders {
		if finished[o.ID] {
			continue
		}
		for _, s := range shop.Forward {
			if !d.eligible(o.ID, s) {
				continue
			}
			if _, tried := d.services[s.Service()].Ledger.Snapshot().Entry(s.Key(o.ID)); !tried {
				return fmt.Sprintf("%s's %s", o.ID, s)
			}
		}
	}
	return ""
}

// offer offers decline-step until the returned withdraw is called.
func (d *declines) offer() (withdraw func()) {
	d.mu.Lock()
	d.open = true
	d.mu.Unlock()
	d.n.Offer(FaultDeclineStep, "participant",
		"the next charge or booking that reaches its service is declined (a business failure): the saga must compensate what applied before it", d.request)
	var once sync.Once
	return func() {
		once.Do(func() {
			d.n.Withdraw(FaultDeclineStep)
			d.mu.Lock()
			d.open = false
			d.mu.Unlock()
		})
	}
}

func (d *declines) request() error {
	d.mu.Lock()
	open, waiting := d.open, len(d.pending)
	finished := map[string]bool{}
	for s := range d.finished {
		finished[s] = true
	}
	d.mu.Unlock()
	switch {
	case !open:
		return errors.New("act 2's sagas are over")
	case waiting > 0:
		return errors.New("a decline is already requested and has not happened yet")
	}
	next := d.ahead(finished)
	if next == "" {
		return errors.New("no saga still to run has a charge or booking the schedule leaves alone: declining one would keep a planned fault from happening")
	}
	p := d.n.Plan("participant", "a step declined on request in the lab")
	d.mu.Lock()
	d.pending = append(d.pending, p)
	d.mu.Unlock()
	d.n.Step("lab", "decline requested: the next charge or booking the schedule leaves alone is declined (the first still to come: %s)", next)
	return nil
}
