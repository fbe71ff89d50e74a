package eventhorizon_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/eventstore/memory"
)

const (
	account eh.AggregateType = "account"
	opened  eh.EventType     = "AccountOpened"
	debited eh.EventType     = "AccountDebited"
)

// Two writers load account version 1 and each append version 2: the store
// takes the first and refuses the second with ErrEventConflictFromOtherSave.
// The memory store guards appends only: a save at version 0 (a creation) is
// not checked against an existing aggregate.
func Example() {
	ctx := context.Background()
	store, err := memory.NewEventStore()
	if err != nil {
		fmt.Println(err)
		return
	}
	id := uuid.New()
	event := func(t eh.EventType, version int) eh.Event {
		return eh.NewEvent(t, nil, time.Now(), eh.ForAggregate(account, id, version))
	}

	fmt.Println("open:", store.Save(ctx, []eh.Event{event(opened, 1)}, 0))
	fmt.Println("writer A debits:", store.Save(ctx, []eh.Event{event(debited, 2)}, 1))
	err = store.Save(ctx, []eh.Event{event(debited, 2)}, 1)
	fmt.Println("writer B debits:", errors.Is(err, eh.ErrEventConflictFromOtherSave))

	events, _ := store.Load(ctx, id)
	fmt.Println("events stored:", len(events))

	fmt.Println("open again:", store.Save(ctx, []eh.Event{event(opened, 1)}, 0))
	events, _ = store.Load(ctx, id)
	fmt.Println("events stored after the second open:", len(events))
	// Output:
	// open: <nil>
	// writer A debits: <nil>
	// writer B debits: true
	// events stored: 2
	// open again: <nil>
	// events stored after the second open: 1
}
