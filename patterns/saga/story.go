package saga

import (
	"fmt"
	"sort"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/saga/choreography"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// NoteDelayed is the journal note of a request the schedule held back in
// the network until its saga had given up on it.
const NoteDelayed ledger.NoteKind = "delayed"

// faults are one act's planned faults (shop.Plan.Expected), each announced
// with n.Plan before the act runs and fired when a service's journal shows
// it happened: one that never fires makes the verdict VIOLATED.
type faults struct {
	n       *narrate.Narrator
	planned map[shop.Expected]*narrate.PlannedFault
}

func planFaults(n *narrate.Narrator, plan *shop.Plan, style shop.Style, kill bool) *faults {
	f := &faults{n: n, planned: map[shop.Expected]*narrate.PlannedFault{}}
	for _, e := range plan.Expected(style) {
		if e.Kind == shop.FaultKill && !kill {
			continue
		}
		actor := shop.Step(e.Key.Step).Service()
		if e.Kind == shop.FaultKill {
			actor = "worker"
		}
		f.planned[e] = n.Plan(actor, fmt.Sprintf("%s: %s (%s)", style, e.Key, e.Kind))
	}
	return f
}

// fire announces a fault: as the planned one when it is planned, as an
// unplanned one otherwise (a switch can make faults happen that the
// schedule did not plan, such as compensations that then fail).
func (f *faults) fire(k ledger.Key, kind shop.FaultKind, actor, format string, args ...any) {
	if p, ok := f.planned[shop.Expected{Key: k, Kind: kind}]; ok {
		p.Fire(format, args...)
		return
	}
	f.n.Fault(actor, format, args...)
}

// tellStory narrates what the services did for one saga, read from their
// journals once the saga is over: steps in saga order (T1..T3, C2, C1) and,
// within a step, deliveries in the order the service saw them. Reading the
// story from the services' own records, rather than printing as events
// fly, keeps it in one order from run to run.
func tellStory(n *narrate.Narrator, f *faults, saga string, services map[string]*shop.Service) {
	var notes []ledger.Note
	for _, name := range shop.Services {
		notes = append(notes, services[name].Ledger.Notes(saga)...)
	}
	sort.SliceStable(notes, func(i, j int) bool {
		if ri, rj := shop.Step(notes[i].Key.Step).Rank(), shop.Step(notes[j].Key.Step).Rank(); ri != rj {
			return ri < rj
		}
		return notes[i].Seq < notes[j].Seq
	})
	for _, note := range notes {
		tellNote(n, f, note)
	}
}

func tellNote(n *narrate.Narrator, f *faults, note ledger.Note) {
	k, e, step := note.Key, note.Entry, shop.Step(note.Key.Step)
	_, isComp := step.Compensates()
	switch note.Kind {
	case ledger.NoteApplied:
		line := fmt.Sprintf("%s %s", k.Saga, appliedText(step, e))
		if note.Attempt > 1 {
			line += fmt.Sprintf(" (attempt %d)", note.Attempt)
		}
		if e.Applied > 1 {
			line += fmt.Sprintf(": APPLIED %d TIMES", e.Applied)
		}
		n.Step(note.Service, "%s", line)
	case ledger.NoteNothingToUndo:
		fwd, _ := step.Compensates()
		n.Step(note.Service, "%s %s: nothing to undo, the %s never applied (recorded: a late %s is refused)", k.Saga, step, fwd, fwd)
	case ledger.NoteDeclined:
		if note.Injected {
			f.fire(k, shop.FaultDecline, note.Service, "%s %s declined: %s (a business failure: not retried, the saga compensates)", k.Saga, step, e.Reason)
		} else {
			n.Step(note.Service, "%s %s declined: %s", k.Saga, step, e.Reason)
		}
	case ledger.NoteTransient:
		retry := "retried"
		if isComp {
			retry = "a compensation is retried until it succeeds"
		}
		f.fire(k, shop.FaultTransient, note.Service, "%s %s attempt %d failed: %s is unavailable; %s", k.Saga, step, note.Attempt, note.Service, retry)
	case ledger.NoteDuplicate:
		n.Step(note.Service, "%s %s delivered again: absorbed by key %s, not applied twice", k.Saga, step, k)
	case ledger.NoteAsked:
		n.Step(note.Service, "%s %s settled on request: its record says %s (attempt %d), a definite answer", k.Saga, step, e.Effect, note.Attempt)
	case ledger.NoteSettled:
		n.Step(note.Service, "%s %s settled as not applied (%s): a late attempt will be refused", k.Saga, step, e.Reason)
	case shop.NoteReplyLost:
		f.fire(k, shop.FaultLostReply, note.Service, "%s %s attempt %d applied, but its answer is lost on the way back: the caller's attempt times out", k.Saga, step, note.Attempt)
	case choreography.NoteAckLost:
		f.fire(k, shop.FaultLostAck, note.Service, "%s %s: the ack is lost, JetStream delivers the event again", k.Saga, step)
	case NoteDelayed:
		f.fire(k, shop.FaultDelay, note.Service, "%s %s request delayed in the network: it reaches %s only after the saga stopped waiting for it", k.Saga, step, note.Service)
	}
}

func appliedText(s shop.Step, e ledger.Entry) string {
	switch s {
	case shop.Reserve:
		return fmt.Sprintf("reserved %d %s", e.Units, e.Item)
	case shop.Charge:
		return fmt.Sprintf("charged %s", shop.Cents(e.Amount))
	case shop.Book:
		return fmt.Sprintf("booked a shipment of %d %s", e.Units, e.Item)
	case shop.Refund:
		return fmt.Sprintf("refunded %s", shop.Cents(e.Amount))
	case shop.Release:
		return fmt.Sprintf("released %d %s", e.Units, e.Item)
	}
	return string(s)
}

// tellOutcome narrates how a saga ended.
func tellOutcome(n *narrate.Narrator, actor string, out shop.Outcome) {
	if out.Status == shop.Completed {
		n.Step(actor, "%s %s", out.Saga, out.Status)
		return
	}
	n.Step(actor, "%s %s (%s)", out.Saga, out.Status, out.Reason)
}

// tellChecks narrates the invariant's parts for one style, each a check
// that feeds the verdict, all measured from the services' ledgers.
func tellChecks(n *narrate.Narrator, style shop.Style, r shop.Report) {
	s := string(style)
	n.Check(s+" outcomes", r.Completed+r.Compensated == r.Orders,
		"%d completed + %d compensated = %d of %d sagas", r.Completed, r.Compensated, r.Completed+r.Compensated, r.Orders)
	n.Check(s+" stock", r.Available+r.Reserved == r.Stock && r.Reserved == r.CompletedUnits && r.Shipped == r.CompletedUnits,
		"available %d + reserved %d = %d stock; reserved %d = shipped %d = %d units in completed orders",
		r.Available, r.Reserved, r.Stock, r.Reserved, r.Shipped, r.CompletedUnits)
	n.Check(s+" money", r.Charged-r.Refunded == r.CompletedAmount,
		"charged %s - refunded %s = %s; completed orders are worth %s", r.Charged, r.Refunded, r.Charged-r.Refunded, r.CompletedAmount)
	n.Check(s+" effects", len(r.AppliedTwice) == 0,
		"%d of %d idempotency records applied twice", len(r.AppliedTwice), r.Keys)
	n.Measure(s, "%d duplicate deliveries absorbed by the idempotency keys", r.Duplicates)
}
