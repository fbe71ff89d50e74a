package saga

import (
	"fmt"
	"math/rand/v2"
)

// Fault is what the schedule does to one step of one saga.
type Fault struct {
	// Transient: the first Transient attempts fail with ErrTransient.
	Transient int
	// Decline, when set, declines the step (a business failure) once the
	// transient failures are past.
	Decline string
	// Redeliver (choreography): the event that triggers the step is
	// delivered again after it was handled, as when an ack is lost.
	Redeliver bool
}

// Plan is a seeded fault schedule: the same orders, seed and rate give the
// same faults, in both styles, so runs repeat and the styles are compared on
// the same schedule. It implements Injector.
type Plan struct {
	Seed   uint64
	Rate   float64
	faults map[Key]Fault

	// Scripted faults of the demo, one saga each (zero Key: none).
	// KillWorker: SIGKILL the orchestration worker once this step has
	// applied, before the worker hears the answer.
	KillWorker Key
	// Cancel: the customer cancels the order (a signal) while this step runs.
	Cancel Key
	// Crash: the choreography service owning this step crashes before the
	// saga's event for it arrives, and restarts once it is waiting.
	Crash Key
}

// MaxForwardAttempts bounds the attempts of a forward step; the schedule
// never fails a forward step transiently that often, so a transient fault
// delays a saga but does not fail it. Compensations retry without bound.
const MaxForwardAttempts = 5

var declineReasons = map[Step]string{
	Reserve: "warehouse reports the item damaged",
	Charge:  "card declined",
	Book:    "no carrier serves the address",
}

// NewPlan draws a schedule for orders: each forward step fails with
// probability rate (transiently, declined, or redelivered), and each
// compensation with probability rate (transiently or redelivered). When rate
// is above zero the schedule always holds at least one decline and one
// compensation that fails and must be retried, and the scripted faults are
// placed on sagas that reach the step they target.
func NewPlan(orders []Order, seed uint64, rate float64) *Plan {
	p := &Plan{Seed: seed, Rate: rate, faults: map[Key]Fault{}}
	if rate > 0 {
		rng := rand.New(rand.NewPCG(seed, 0xfa017))
		for _, o := range orders {
			p.draw(rng, o)
		}
		p.ensureCompensationFailure(orders)
	}
	p.script(orders)
	return p
}

func (p *Plan) draw(rng *rand.Rand, o Order) {
	for _, s := range Forward {
		if rng.Float64() >= p.Rate {
			continue
		}
		k := Key{o.ID, s}
		switch rng.IntN(3) {
		case 0:
			p.faults[k] = Fault{Transient: 1 + rng.IntN(2)}
		case 1:
			p.faults[k] = Fault{Decline: declineReasons[s]}
		default:
			p.faults[k] = Fault{Redeliver: true}
		}
		if p.faults[k].Decline != "" {
			break // the saga stops here; later steps never run
		}
	}
	for _, s := range []Step{Refund, Release} {
		if rng.Float64() >= p.Rate {
			continue
		}
		if rng.IntN(2) == 0 {
			p.faults[Key{o.ID, s}] = Fault{Transient: 1 + rng.IntN(3)}
		} else {
			p.faults[Key{o.ID, s}] = Fault{Redeliver: true}
		}
	}
}

// ensureCompensationFailure makes sure the run shows a compensation failing
// and being retried until it succeeds.
func (p *Plan) ensureCompensationFailure(orders []Order) {
	if len(orders) == 0 {
		return
	}
	var failing Order
	for _, o := range orders {
		if d := p.declinedAt(o); d == Charge || d == Book {
			failing = o
			break
		}
	}
	if failing.ID == "" {
		failing = orders[len(orders)-1]
		p.faults[Key{failing.ID, Reserve}] = Fault{}
		p.faults[Key{failing.ID, Charge}] = Fault{}
		p.faults[Key{failing.ID, Book}] = Fault{Decline: declineReasons[Book]}
	}
	for _, o := range orders {
		if d := p.declinedAt(o); d != Charge && d != Book {
			continue
		}
		for _, c := range []Step{Refund, Release} {
			if p.faults[Key{o.ID, c}].Transient > 0 && p.compensates(o, c) {
				return
			}
		}
	}
	c := Release
	if p.declinedAt(failing) == Book {
		c = Refund
	}
	f := p.faults[Key{failing.ID, c}]
	f.Transient = 2
	p.faults[Key{failing.ID, c}] = f
}

// compensates reports whether compensation c of o runs and undoes an
// applied step because of a decline.
func (p *Plan) compensates(o Order, c Step) bool { return p.compensatesSaga(o.ID, c) }

func (p *Plan) compensatesSaga(saga string, c Step) bool {
	d := p.declinedSaga(saga)
	return c == Release && (d == Charge || d == Book) || c == Refund && d == Book
}

// declinedAt returns the forward step at which o is declined, or "".
func (p *Plan) declinedAt(o Order) Step { return p.declinedSaga(o.ID) }

func (p *Plan) declinedSaga(saga string) Step {
	for _, s := range Forward {
		if p.faults[Key{saga, s}].Decline != "" {
			return s
		}
	}
	return ""
}

// script places the demo's scripted faults on sagas whose reserve and
// charge apply, starting from the middle of the run.
func (p *Plan) script(orders []Order) {
	var eligible []Order
	for i := range orders {
		o := orders[(len(orders)/2+i)%len(orders)]
		if d := p.declinedAt(o); d == "" || d == Book {
			eligible = append(eligible, o)
		}
	}
	if len(eligible) > 0 {
		p.KillWorker = Key{eligible[0].ID, Charge}
		p.Crash = Key{eligible[0].ID, Book}
	}
	if len(eligible) > 1 {
		p.Cancel = Key{eligible[1].ID, Charge}
	}
}

// Fault returns the fault planned for k.
func (p *Plan) Fault(k Key) Fault { return p.faults[k] }

// Inject fails the delivery as planned: the first Fault.Transient attempts
// transiently, then a decline if one is planned.
func (p *Plan) Inject(k Key, attempt int) error {
	f := p.faults[k]
	if attempt <= f.Transient {
		return fmt.Errorf("%w: %s is unavailable (injected, attempt %d of %d that fail)", ErrTransient, k.Step.Service(), attempt, f.Transient)
	}
	if f.Decline != "" {
		return &DeclinedError{Key: k, Reason: f.Decline}
	}
	return nil
}

// Summary counts the planned faults that will fire in the choreography
// run, for the narration (the orchestration run also compensates the
// cancelled saga).
func (p *Plan) Summary() string {
	var declines, transient, compensation, redeliveries int
	for k, f := range p.faults {
		_, isComp := k.Step.Compensates()
		if isComp && !p.compensatesSaga(k.Saga, k.Step) {
			continue
		}
		switch {
		case f.Decline != "":
			declines++
		case f.Transient > 0 && isComp:
			compensation++
		case f.Transient > 0:
			transient++
		}
		if f.Redeliver {
			redeliveries++
		}
	}
	return fmt.Sprintf("%d declined steps, %d transient step failures, %d failing compensations, %d redelivered events", declines, transient, compensation, redeliveries)
}
