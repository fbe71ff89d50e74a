package cqrs

import (
	"context"
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
}

// NewAudit is an audit before its first event.
func NewAudit() *Audit { return &Audit{perCommand: map[uuid.UUID]int{}} }

// HandlerType implements eventhorizon.EventHandler.
func (a *Audit) HandlerType() eh.EventHandlerType { return "audit" }

// HandleEvent implements eventhorizon.EventHandler.
func (a *Audit) HandleEvent(_ context.Context, e eh.Event) error {
	a.Events++
	a.Total += signedAmount(e)
	if id, ok := commandIDOf(e); ok {
		a.perCommand[id]++
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
