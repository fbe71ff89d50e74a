package cqrs

import (
	"context"
	"slices"
	"sort"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
)

// Audit folds the whole log on its own, without the read models: the money
// the events add up to, and how many events each command produced. It is
// the independent witness the demo's invariant compares the read side with.
type Audit struct {
	Events     int
	Total      int64
	perCommand map[uuid.UUID]int
	firstSeq   map[uuid.UUID]uint64 // where each command's first event is
	anonymous  []uint64             // events that name no command
}

// NewAudit is an audit before its first event.
func NewAudit() *Audit {
	return &Audit{perCommand: map[uuid.UUID]int{}, firstSeq: map[uuid.UUID]uint64{}}
}

// HandlerType implements eventhorizon.EventHandler.
func (a *Audit) HandlerType() eh.EventHandlerType { return "audit" }

// HandleEvent implements eventhorizon.EventHandler.
func (a *Audit) HandleEvent(ctx context.Context, e eh.Event) error {
	a.Events++
	a.Total += signedAmount(e)
	id, ok := commandIDOf(e)
	if !ok {
		a.anonymous = append(a.anonymous, LogSequence(ctx))
		return nil
	}
	if a.perCommand[id]++; a.perCommand[id] == 1 {
		a.firstSeq[id] = LogSequence(ctx)
	}
	return nil
}

// Commands is how many distinct command IDs the log holds.
func (a *Audit) Commands() int { return len(a.perCommand) }

// AppliedTwice lists the commands that produced more than one event; in
// this ledger every command produces exactly one, so any entry is a
// duplicate that got through.
func (a *Audit) AppliedTwice() []uuid.UUID {
	var twice []uuid.UUID
	for id, n := range a.perCommand {
		if n > 1 {
			twice = append(twice, id)
		}
	}
	sort.Slice(twice, func(i, j int) bool { return twice[i].String() < twice[j].String() })
	return twice
}

// EventsFor is how many events the command produced.
func (a *Audit) EventsFor(commandID uuid.UUID) int { return a.perCommand[commandID] }

// NotSentBy lists, in log order, the log sequences of events whose command
// is not one that sent reports having sent, or that name no command at all:
// events nobody asked for.
func (a *Audit) NotSentBy(sent func(uuid.UUID) bool) []uint64 {
	out := append([]uint64(nil), a.anonymous...)
	for id, seq := range a.firstSeq {
		if !sent(id) {
			out = append(out, seq)
		}
	}
	slices.Sort(out)
	return out
}
