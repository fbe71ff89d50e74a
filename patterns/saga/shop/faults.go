package shop

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/patternlab/patternlab/patterns/saga/ledger"
)

// Fault is what the schedule does to one step of one saga.
type Fault struct {
	// Transient: the first Transient attempts fail with ErrTransient.
	Transient int
	// Decline, when set, declines the step (a business failure) once the
	// transient failures are past.
	Decline string
	// Redeliver (choreography): the ack of the delivery that settled the
	// step is lost, so JetStream delivers the event again.
	Redeliver bool
	// LoseReply (orchestration): the step applies on this attempt, but its
	// answer is lost on the way back; the caller's request times out.
	LoseReply int
}

// Plan is a seeded fault schedule: the same orders, seed and rate give the
// same faults, in both styles, so runs repeat and the styles are compared on
// the same schedule. It implements ledger.Injector.
type Plan struct {
	Seed   uint64
	Rate   float64
	sagas  []string
	faults map[ledger.Key]Fault

	// The scripted faults, which every run with MinOrders orders or more
	// holds, each on a saga that reaches the step it targets (zero Keys
	// with fewer orders):
	//
	// Failing: a compensation that fails transiently after a decline (an
	// existing one, or one made to fail twice): it must be retried until
	// it succeeds.
	Failing ledger.Key
	// Crash (choreography): the service owning this step crashes before
	// the saga's event for it arrives, and restarts once it is waiting.
	Crash ledger.Key
	// KillWorker (orchestration on a server): SIGKILL the worker once this
	// step has applied, before the worker hears the answer.
	KillWorker ledger.Key
	// Cancel (orchestration): this step's request is delayed in the
	// network, and the customer cancels the order while it is on its way.
	// The saga compensates; the request arrives afterwards.
	Cancel ledger.Key
	// Pivot: the pivot (book) fails transiently on every attempt but the
	// last allowed one, which applies; in the orchestration its answer is
	// lost, so the workflow does not know whether the shipment is booked.
	// In the choreography the ack is lost instead.
	Pivot ledger.Key
}

// MaxForwardAttempts bounds the attempts of a forward step; compensations
// retry without bound.
const MaxForwardAttempts = 5

// MinOrders is the fewest orders for which the scripted faults can each be
// placed on their own saga.
const MinOrders = 3

var declineReasons = map[Step]string{
	Reserve: "warehouse reports the item damaged",
	Charge:  "card declined",
	Book:    "no carrier serves the address",
}

// NewPlan draws a schedule for orders: each forward step fails with
// probability rate (transiently, declined, or its ack lost), and each
// compensation with probability rate (transiently or its ack lost). Then
// the scripted faults are placed (see Plan), overriding the draws of the
// sagas they use where those would stop the saga too early.
func NewPlan(orders []Order, seed uint64, rate float64) *Plan {
	p := &Plan{Seed: seed, Rate: rate, faults: map[ledger.Key]Fault{}}
	for _, o := range orders {
		p.sagas = append(p.sagas, o.ID)
	}
	if rate > 0 {
		rng := rand.New(rand.NewPCG(seed, 0xfa017))
		for _, o := range orders {
			p.draw(rng, o.ID)
		}
	}
	p.script()
	return p
}

func (p *Plan) draw(rng *rand.Rand, saga string) {
	for _, s := range Forward {
		if rng.Float64() >= p.Rate {
			continue
		}
		k := s.Key(saga)
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
			p.faults[s.Key(saga)] = Fault{Transient: 1 + rng.IntN(3)}
		} else {
			p.faults[s.Key(saga)] = Fault{Redeliver: true}
		}
	}
}

// script places the scripted faults, picking sagas from the middle of the
// run: one that reaches shipping for the crash and the kill, one that
// reaches payment for the cancel, one whose shipment is not declined for
// the pivot, and a declined one for the failing compensation. Where the
// draws leave no such saga, a free one's forward faults are cleared.
func (p *Plan) script() {
	n := len(p.sagas)
	if n < MinOrders {
		return
	}
	taken := map[string]bool{}
	pick := func(ok func(string) bool) string {
		for i := range n {
			if s := p.sagas[(n/2+i)%n]; !taken[s] && ok(s) {
				taken[s] = true
				return s
			}
		}
		for i := range n { // none fits: clear a free saga's forward faults
			if s := p.sagas[(n/2+i)%n]; !taken[s] {
				taken[s] = true
				for _, st := range Forward {
					delete(p.faults, st.Key(s))
				}
				return s
			}
		}
		return ""
	}
	reachesShipping := func(s string) bool { d := p.declinedSaga(s); return d == "" || d == Book }

	b := pick(reachesShipping)
	p.Crash, p.KillWorker = Book.Key(b), Charge.Key(b)
	c := pick(reachesShipping)
	p.Cancel = Charge.Key(c)
	delete(p.faults, p.Cancel) // the delay is this step's fault
	d := pick(func(s string) bool { return p.declinedSaga(s) == "" })
	p.Pivot = Book.Key(d)
	p.faults[p.Pivot] = Fault{Transient: MaxForwardAttempts - 1, LoseReply: MaxForwardAttempts, Redeliver: true}
	p.failCompensation(b, c, d)
}

// failCompensation makes sure a compensation that undoes an applied step
// fails and must be retried: an existing one, or one made on a declined
// saga (b's shipment is declined if no other saga is).
func (p *Plan) failCompensation(b, c, d string) {
	for _, s := range p.sagas {
		if s == c || s == d {
			continue
		}
		for _, comp := range []Step{Refund, Release} {
			if p.faults[comp.Key(s)].Transient > 0 && p.undoes(s, comp) {
				p.Failing = comp.Key(s)
				return
			}
		}
	}
	declined := ""
	for _, s := range p.sagas {
		if dd := p.declinedSaga(s); s != c && s != d && (dd == Charge || dd == Book) {
			declined = s
			break
		}
	}
	if declined == "" {
		declined = b
		p.faults[Book.Key(b)] = Fault{Decline: declineReasons[Book]}
	}
	comp := Release
	if p.declinedSaga(declined) == Book {
		comp = Refund
	}
	p.Failing = comp.Key(declined)
	f := p.faults[p.Failing]
	f.Transient = 2
	p.faults[p.Failing] = f
}

// undoes reports whether compensation comp of saga runs and undoes an
// applied step because of a decline.
func (p *Plan) undoes(saga string, comp Step) bool {
	d := p.declinedSaga(saga)
	return comp == Release && (d == Charge || d == Book) || comp == Refund && d == Book
}

func (p *Plan) declinedSaga(saga string) Step {
	for _, s := range Forward {
		if p.faults[s.Key(saga)].Decline != "" {
			return s
		}
	}
	return ""
}

// Fault returns the fault planned for k.
func (p *Plan) Fault(k ledger.Key) Fault { return p.faults[k] }

// Inject fails the delivery as planned: the first Fault.Transient attempts
// transiently, then a decline if one is planned.
func (p *Plan) Inject(k ledger.Key, attempt int) error {
	f := p.faults[k]
	if attempt <= f.Transient {
		return fmt.Errorf("%w: %s is unavailable (injected, attempt %d of %d that fail)", ledger.ErrTransient, Step(k.Step).Service(), attempt, f.Transient)
	}
	if f.Decline != "" {
		return &ledger.DeclinedError{Key: k, Reason: f.Decline}
	}
	return nil
}

// LosesReply reports whether the answer to this attempt of k is lost.
func (p *Plan) LosesReply(k ledger.Key, attempt int) bool {
	return p != nil && p.faults[k].LoseReply == attempt && attempt > 0
}

// Style is how a run drives the saga.
type Style string

// The two styles.
const (
	Choreography  Style = "choreography"
	Orchestration Style = "orchestration"
)

// FaultKind names a kind of injected fault.
type FaultKind string

// The kinds of faults a run injects.
const (
	FaultTransient FaultKind = "transient"  // an attempt fails, the step did not apply
	FaultDecline   FaultKind = "decline"    // a business failure
	FaultLostAck   FaultKind = "lost-ack"   // choreography: the event comes again
	FaultLostReply FaultKind = "lost-reply" // orchestration: the answer never arrives
	FaultDelay     FaultKind = "delay"      // orchestration: a request arrives after its saga was compensated
	FaultCrash     FaultKind = "crash"      // choreography: a service is down when its event arrives
	FaultKill      FaultKind = "kill"       // orchestration on a server: the worker is SIGKILLed
)

// Expected is a fault the schedule injects in a run of one style, with
// every safeguard on. A run that does not inject it has not shown what it
// claims: the demo plans each one, so one that never fired fails its
// verdict.
type Expected struct {
	Key  ledger.Key
	Kind FaultKind
}

func (e Expected) String() string { return fmt.Sprintf("%s %s", e.Key, e.Kind) }

// Expected lists the faults a run of style injects, saga by saga.
func (p *Plan) Expected(style Style) []Expected {
	var out []Expected
	add := func(k ledger.Key, kind FaultKind) { out = append(out, Expected{k, kind}) }
	for _, saga := range p.sagas {
		cancelled := style == Orchestration && saga == p.Cancel.Saga
		d := p.declinedSaga(saga)
		var steps []Step
		for _, s := range Forward {
			steps = append(steps, s)
			if s == d || cancelled && s == Charge {
				break
			}
		}
		switch {
		case cancelled:
			steps = append(steps, Refund, Release)
		case d == Book:
			steps = append(steps, Refund, Release)
		case d == Charge:
			steps = append(steps, Release)
		}
		for _, s := range steps {
			k := s.Key(saga)
			f := p.faults[k]
			if f.Transient > 0 {
				add(k, FaultTransient)
			}
			if f.Decline != "" {
				add(k, FaultDecline)
			}
			if f.Redeliver && style == Choreography {
				add(k, FaultLostAck)
			}
			if f.LoseReply > 0 && style == Orchestration {
				add(k, FaultLostReply)
			}
		}
		switch {
		case style == Choreography && saga == p.Crash.Saga:
			add(p.Crash, FaultCrash)
		case style == Orchestration && saga == p.KillWorker.Saga:
			add(p.KillWorker, FaultKill)
		}
		if cancelled {
			add(p.Cancel, FaultDelay)
		}
	}
	return out
}

// Summary counts the faults of the schedule for the narration.
func (p *Plan) Summary() string {
	count := map[FaultKind]int{}
	comp := 0
	seen := map[Expected]bool{}
	for _, style := range []Style{Choreography, Orchestration} {
		for _, e := range p.Expected(style) {
			if seen[e] {
				continue
			}
			seen[e] = true
			count[e.Kind]++
			if _, ok := Step(e.Key.Step).Compensates(); ok && e.Kind == FaultTransient {
				comp++
			}
		}
	}
	parts := []string{
		plural(count[FaultDecline], "declined step", "declined steps"),
		plural(count[FaultTransient], "transient failure", "transient failures") + fmt.Sprintf(" (%d of a compensation)", comp),
		plural(count[FaultLostAck], "lost ack", "lost acks") + " (choreography)",
		plural(count[FaultLostReply], "lost reply", "lost replies") + " (orchestration)",
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
