package saga

import (
	"fmt"
	"sort"

	"github.com/patternlab/patternlab/kit/narrate"
)

// tellStory narrates what the services did for one saga, read from their
// journals once the saga is over: steps in saga order (T1..T3, C2, C1) and,
// within a step, deliveries in the order the service saw them. Reading the
// story from the services' own records, rather than printing as events
// fly, keeps it in one order from run to run.
func tellStory(n *narrate.Narrator, saga string, services map[string]*Service) {
	var notes []Note
	for _, name := range Services {
		notes = append(notes, services[name].Ledger.Notes(saga)...)
	}
	sort.SliceStable(notes, func(i, j int) bool {
		if ri, rj := notes[i].Key.Step.rank(), notes[j].Key.Step.rank(); ri != rj {
			return ri < rj
		}
		return notes[i].Seq < notes[j].Seq
	})
	for _, note := range notes {
		tellNote(n, note)
	}
}

func tellNote(n *narrate.Narrator, note Note) {
	k, e := note.Key, note.Entry
	_, isComp := k.Step.Compensates()
	switch note.Kind {
	case NoteApplied:
		line := fmt.Sprintf("%s %s", k.Saga, appliedText(k.Step, e))
		if note.Attempt > 1 {
			line += fmt.Sprintf(" (attempt %d)", note.Attempt)
		}
		if e.Applied > 1 {
			line += fmt.Sprintf(": APPLIED %d TIMES", e.Applied)
		}
		n.Step(note.Service, "%s", line)
	case NoteNothingToUndo:
		fwd, _ := k.Step.Compensates()
		n.Step(note.Service, "%s %s: nothing to undo, the %s never applied (recorded: a late %s is refused)", k.Saga, k.Step, fwd, fwd)
	case NoteDeclined:
		if note.Injected {
			n.Fault(note.Service, "%s %s declined: %s (a business failure: not retried, the saga compensates)", k.Saga, k.Step, e.Reason)
		} else {
			n.Step(note.Service, "%s %s declined: %s", k.Saga, k.Step, e.Reason)
		}
	case NoteTransient:
		retry := "retried"
		if isComp {
			retry = "a compensation is retried until it succeeds"
		}
		n.Fault(note.Service, "%s %s attempt %d failed: %s is unavailable; %s", k.Saga, k.Step, note.Attempt, note.Service, retry)
	case NoteDuplicate:
		n.Step(note.Service, "%s %s delivered again: absorbed by key %s, not applied twice", k.Saga, k.Step, k)
	}
}

func appliedText(s Step, e Entry) string {
	switch s {
	case Reserve:
		return fmt.Sprintf("reserved %d %s", e.Units, e.SKU)
	case Charge:
		return fmt.Sprintf("charged %s", e.Amount)
	case Book:
		return fmt.Sprintf("booked a shipment of %d %s", e.Units, e.SKU)
	case Refund:
		return fmt.Sprintf("refunded %s", e.Amount)
	case Release:
		return fmt.Sprintf("released %d %s", e.Units, e.SKU)
	}
	return string(s)
}

// tellOutcome narrates how a saga ended.
func tellOutcome(n *narrate.Narrator, actor string, out Outcome) {
	if out.Status == Compensated {
		n.Step(actor, "%s compensated (%s)", out.Saga, out.Reason)
		return
	}
	n.Step(actor, "%s %s", out.Saga, out.Status)
}

// tellChecks narrates the invariant's parts for one style.
func tellChecks(n *narrate.Narrator, style string, r Report) {
	n.Check(style+" outcomes", r.Completed+r.Compensated == r.Orders,
		"%d completed + %d compensated = %d of %d sagas", r.Completed, r.Compensated, r.Completed+r.Compensated, r.Orders)
	n.Check(style+" stock", r.Available+r.Reserved == r.Stock && r.Reserved == r.CompletedUnits && r.Shipped == r.CompletedUnits,
		"available %d + reserved %d = %d stock; reserved %d = shipped %d = %d units in completed orders",
		r.Available, r.Reserved, r.Stock, r.Reserved, r.Shipped, r.CompletedUnits)
	n.Check(style+" money", r.Charged-r.Refunded == r.CompletedAmount,
		"charged %s - refunded %s = %s; completed orders are worth %s", r.Charged, r.Refunded, r.Charged-r.Refunded, r.CompletedAmount)
	n.Check(style+" effects", len(r.AppliedTwice) == 0,
		"%d of %d idempotency records applied twice", len(r.AppliedTwice), r.Keys)
	n.Measure(style, "%d duplicate deliveries absorbed by the idempotency keys", r.Duplicates)
}
