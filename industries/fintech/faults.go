package fintech

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"

	"github.com/patternlab/patternlab/industries/fintech/bank"
	"github.com/patternlab/patternlab/industries/fintech/risk"
	"github.com/patternlab/patternlab/industries/fintech/traffic"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/cqrs"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
)

// raceWait bounds how long the first of the two racing debits waits for
// the second to load the same account version. It fits in one attempt of
// a leg (payment.StepTimeout).
const raceWait = 4 * time.Second

// faults is the day's fault schedule. Each fault is planned when the demo
// starts and fired where it happens, so a fault that never came fails the
// verdict.
type faults struct {
	d         *demo
	resend    *narrate.PlannedFault
	malformed *narrate.PlannedFault
	outage    *narrate.PlannedFault
	closing   *narrate.PlannedFault
	lostDebit *narrate.PlannedFault
	latePivot *narrate.PlannedFault
	race      *narrate.PlannedFault

	mu        sync.Mutex
	seen      map[string]int // instruction ID: messages that carried it
	down      bool           // the risk service is down
	onDemand  int            // payments left to meet an outage a learner asked for (0: none)
	metDown   int            // payments that met it down
	outageEnd bool
	closed    bool
	loaded    map[string]bool // the racing debits that loaded the payer
	raced     bool
	// struck holds what the sagas' faults did, by fault: they strike in the
	// worker, concurrently with the office's story, and are announced once
	// the sagas have ended, in a fixed order, so the story reads the same
	// on every run.
	struck   map[*narrate.PlannedFault]string
	released chan struct{}
}

func newFaults(d *demo) *faults {
	p := d.day.Planted
	f := &faults{d: d, seen: map[string]int{}, loaded: map[string]bool{}, released: make(chan struct{}),
		struck: map[*narrate.PlannedFault]string{}}
	n := d.n
	if len(p.Duplicated) > 0 {
		f.resend = n.Plan("banks", "instructions delivered two or three times")
	}
	f.malformed = n.Plan("banks", "malformed messages")
	f.outage = n.Plan("risk", "the risk service down")
	f.closing = n.Plan(traffic.Bank(p.Closing), "a payee account closed mid-day")
	f.lostDebit = n.Plan(traffic.Bank(p.Corporate), "a debit applied whose answer is lost")
	f.latePivot = n.Plan("saga", "a credit whose last attempt applies and whose answer is lost")
	f.race = n.Plan("books", "two debits decided on the same account version")
	return f
}

// arrived sees every instruction the office takes in.
func (f *faults) arrived(in traffic.Instruction) {
	f.mu.Lock()
	f.seen[in.ID]++
	copies, first := f.seen[in.ID], f.resend != nil && f.resend.Fired() == 0
	f.mu.Unlock()
	if copies == 2 && first {
		f.resend.Fire("%s delivered again, as a bank that timed out waiting for the ack resends it (resent today: %s, two or three times each)",
			in.ID, plural(len(f.d.day.Planted.Duplicated), "instruction"))
	}
}

func (f *faults) malformedArrived() {
	if f.malformed.Fired() == 0 {
		f.malformed.Fire("a malformed message arrives (today: %d, one each of bad JSON, a zero amount, a negative amount, an unknown currency, the payer paying itself)",
			len(f.d.day.Planted.MalformedAt))
	}
}

// beforeScreen acts on the schedule before a payment is screened: the
// risk service goes down at the outage's time, and the closing account is
// closed at its time, once every payment already under way to or from it
// has ended.
func (f *faults) beforeScreen(ctx context.Context, in traffic.Instruction) error {
	p := f.d.day.Planted
	f.mu.Lock()
	startOutage := !f.down && !f.outageEnd && !in.Time.Before(p.OutageAt)
	closeNow := !f.closed && !in.Time.Before(p.CloseAt)
	if startOutage {
		f.down = true
	}
	if closeNow {
		f.closed = true
	}
	f.mu.Unlock()
	if startOutage {
		if err := f.d.risk.Stop(); err != nil {
			return err
		}
		f.d.n.Sample("risk service up", 0, "")
		f.outage.Fire("the risk service goes down at %s, as %s arrives; it stays down for the next %s", in.Time.Format("15:04:05"), in.ID, plural(f.d.cfg.Outage, "payment"))
	}
	if closeNow {
		return f.close(ctx, in)
	}
	return nil
}

// metOutage counts a payment that found the risk service down; after
// Outage of them it comes back.
func (f *faults) metOutage(in traffic.Instruction) {
	f.mu.Lock()
	var back bool
	switch {
	case f.down:
		f.metDown++
		back = f.metDown == f.d.cfg.Outage
		if back {
			f.down, f.outageEnd, f.onDemand = false, true, 0
		}
	case f.onDemand > 0:
		f.onDemand--
		if back = f.onDemand == 0; !back {
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
		if err := f.d.risk.Start(); err != nil {
			f.d.n.Step("risk", "could not come back: %v", err)
		}
		f.d.n.Sample("risk service up", 1, "")
		return
	}
	f.mu.Unlock()
	if back {
		if err := f.d.risk.Start(); err != nil {
			f.d.n.Step("risk", "could not come back: %v", err)
			return
		}
		f.d.n.Sample("risk service up", 1, "")
		f.d.n.Step("risk", "back up after %s (the last: %s)", plural(f.d.cfg.Outage, "payment"), in.ID)
	}
}

// close closes the planted account once nothing is under way to or from it.
func (f *faults) close(ctx context.Context, next traffic.Instruction) error {
	o, name := f.d.office, f.d.day.Planted.Closing
	o.starts.Wait()
	for _, id := range o.order {
		if r := o.payments[id]; r.In.Payer == name || r.In.Payee == name {
			if err := o.wait(ctx, r); err != nil {
				return err
			}
		}
	}
	swept, err := f.d.books[traffic.Bank(name)].Close(ctx, name)
	if err != nil {
		return fmt.Errorf("close %s: %w", name, err)
	}
	f.closing.Fire("%s closes account %s at %s, before %s; its balance goes to %s (%s later today are to it)",
		traffic.Bank(name), name, f.d.day.Planted.CloseAt.Format("15:04"), next.ID, bank.Suspense(traffic.Bank(name)),
		plural(len(f.d.day.Planted.AfterClose), "payment"))
	f.d.n.Measure(traffic.Bank(name), "swept %s from %s to %s", cents(swept), name, bank.Suspense(traffic.Bank(name)))
	return nil
}

// strike records what a saga's fault did, for announce.
func (f *faults) strike(pf *narrate.PlannedFault, format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.struck[pf]; !ok {
		f.struck[pf] = fmt.Sprintf(format, args...)
	}
}

// announce fires the sagas' faults that struck, in the schedule's order.
func (f *faults) announce() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, pf := range []*narrate.PlannedFault{f.latePivot, f.lostDebit, f.race} {
		if what, ok := f.struck[pf]; ok {
			pf.Fire("%s", what)
		}
	}
}

// endToEnd is the instruction ID a payment ID carries: the payment ID
// itself, or with -idempotency=false the part before its last
// "-m<message>" (messageKeyed).
func (d *demo) endToEnd(payment string) string {
	if d.cfg.Idempotency {
		return payment
	}
	return beforeMessageKey(payment)
}

func beforeMessageKey(payment string) string {
	if i := strings.LastIndex(payment, messageKeySep); i > 0 {
		if _, err := strconv.ParseUint(payment[i+len(messageKeySep):], 10, 64); err == nil {
			return payment[:i]
		}
	}
	return payment
}

// messageKeyed is the payment ID with -idempotency=false: keyed by the
// message, the bug the switch shows. It stays one subject token (the
// journals name payments in their subjects), so the separator is no dot.
func messageKeyed(e2e string, seq uint64) string {
	return e2e + messageKeySep + strconv.FormatUint(seq, 10)
}

const messageKeySep = "-m"

// errLost is the answer a leg's caller gets when the answer was lost.
var errLost = errors.New("the answer was lost on its way back")

// Before implements payment.Faults: the late pivot's first four attempts
// fail before they reach the payee's books.
func (f *faults) Before(k ledger.Key, attempt int32) error {
	if f.d.endToEnd(k.Saga) == f.d.day.Planted.LatePivot && k.Step == bank.Credit && attempt < 5 {
		return fmt.Errorf("attempt %d: the payee's bank is unavailable", attempt)
	}
	return nil
}

// After implements payment.Faults: the lost debit's first answer, and the
// late pivot's fifth, are lost after the leg applied.
func (f *faults) After(k ledger.Key, attempt int32) error {
	p := f.d.day.Planted
	switch {
	case f.d.endToEnd(k.Saga) == p.LostDebit && k.Step == bank.Debit && attempt == 1:
		f.strike(f.lostDebit, "%s's debit applied at %s, and its answer was lost: Temporal tried the debit again", k.Saga, traffic.Bank(p.Corporate))
		return errLost
	case f.d.endToEnd(k.Saga) == p.LatePivot && k.Step == bank.Credit && attempt == 5:
		f.strike(f.latePivot, "%s's credit: four attempts failed (the payee's bank was unavailable), the fifth applied and its answer was lost", k.Saga)
		return errLost
	}
	return nil
}

// raceOn wraps a bank's store so that the two planted racing debits both
// load the payer's account before either appends: both decide on the same
// version, and only the account's optimistic concurrency stands between
// them and a lost update.
func (f *faults) raceOn(s *cqrs.EventStore) eh.EventStore { return &racingStore{EventStore: s, f: f} }

type racingStore struct {
	eh.EventStore
	f *faults
}

func (r *racingStore) racing(ctx context.Context) (string, bool) {
	leg, ok := bank.LegOf(ctx)
	race := r.f.d.day.Planted.Race
	e2e := r.f.d.endToEnd(leg.Payment)
	return e2e, ok && leg.Leg == bank.Debit && (e2e == race[0] || e2e == race[1])
}

func (r *racingStore) LoadFrom(ctx context.Context, id uuid.UUID, version int) ([]eh.Event, error) {
	events, err := r.EventStore.LoadFrom(ctx, id, version)
	if p, ok := r.racing(ctx); ok && err == nil {
		r.f.mu.Lock()
		r.f.loaded[p] = true
		both := len(r.f.loaded) == 2 && !r.f.raced
		if both {
			r.f.raced = true
		}
		r.f.mu.Unlock()
		if both {
			race := r.f.d.day.Planted.Race
			r.f.strike(r.f.race, "%s and %s both debited %s, both decided on the same version of the account",
				race[0], race[1], r.f.d.day.Planted.Corporate)
			close(r.f.released)
		}
	}
	return events, err
}

func (r *racingStore) Save(ctx context.Context, events []eh.Event, originalVersion int) error {
	if _, ok := r.racing(ctx); ok {
		t := time.NewTimer(raceWait)
		select {
		case <-r.f.released:
		case <-t.C: // the other never came: the fault does not fire, and the verdict says so
		case <-ctx.Done():
		}
		t.Stop()
	}
	return r.EventStore.Save(ctx, events, originalVersion)
}

// offerOutage lets a learner take the risk service down on demand (the
// lab's fault button): it stays down for the next Outage payments that
// meet it, and the office refuses each as risk-unavailable, as in the
// scheduled outage. The scheduled faults stay the default; the verdict is
// the same check either way.
func (f *faults) offerOutage() {
	f.d.n.Offer("risk-down", "risk", fmt.Sprintf("take the risk service down for the next %s", plural(f.d.cfg.Outage, "payment")), func() error {
		f.mu.Lock()
		if f.down || f.onDemand > 0 {
			f.mu.Unlock()
			return errors.New("the risk service is already down")
		}
		f.onDemand = f.d.cfg.Outage
		f.mu.Unlock()
		if err := f.d.risk.Stop(); err != nil {
			return err
		}
		f.d.n.Sample("risk service up", 0, "")
		f.d.n.Step("risk", "down on demand: the next %s that meet it are refused as %s", plural(f.d.cfg.Outage, "payment"), risk.ErrUnavailable)
		return nil
	})
}
