package gocqrs

import (
	"context"
	"fmt"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/aggregatestore/events"
	"github.com/looplab/eventhorizon/eventstore/memory"
	"github.com/looplab/eventhorizon/uuid"

	"github.com/patternlab/patternlab/patterns/cqrs"
)

// Stream is one account with a long history in eventhorizon's memory store,
// for the load-and-replay benchmark.
type Stream struct {
	ctx    context.Context
	id     uuid.UUID
	events *memory.EventStore
	store  *events.AggregateStore
	loaded []eh.Event
}

// NewStream opens an account and deposits until it has n events.
func NewStream(n int) (*Stream, error) {
	s := &Stream{ctx: context.Background(), id: uuid.New()}
	var err error
	if s.events, err = memory.NewEventStore(); err != nil {
		return nil, err
	}
	if s.store, err = events.NewAggregateStore(s.events); err != nil {
		return nil, err
	}
	a := cqrs.NewAccount(s.id) // Save folds the saved events into it: no reload
	for i := range n {
		var cmd eh.Command = &cqrs.Deposit{AccountID: s.id, ID: uuid.New(), Amount: 100}
		if i == 0 {
			cmd = &cqrs.OpenAccount{AccountID: s.id, ID: uuid.New(), Owner: "alice"}
		}
		if err := a.HandleCommand(s.ctx, cmd); err != nil {
			return nil, err
		}
		if err := s.store.Save(s.ctx, a); err != nil {
			return nil, err
		}
	}
	if s.loaded, err = s.events.Load(s.ctx, s.id); err != nil {
		return nil, err
	}
	return s, nil
}

// Load is the module's way: eventhorizon's AggregateStore reads the stream
// from the memory store (which copies every event) and folds it.
func (s *Stream) Load() (*cqrs.Account, error) {
	agg, err := s.store.Load(s.ctx, cqrs.AccountType, s.id)
	if err != nil {
		return nil, err
	}
	return agg.(*cqrs.Account), nil
}

// Fold applies the stream, already in memory, to a fresh cqrs.Account: the
// fold alone, comparable with the Java and Rust loads (their stores hand out
// the stored events without copying them).
func (s *Stream) Fold() (*cqrs.Account, error) {
	a := cqrs.NewAccount(s.id)
	for _, e := range s.loaded {
		if err := a.ApplyEvent(s.ctx, e); err != nil {
			return nil, err
		}
		a.SetAggregateVersion(e.Version())
	}
	if a.AggregateVersion() != len(s.loaded) {
		return nil, fmt.Errorf("folded to version %d of %d", a.AggregateVersion(), len(s.loaded))
	}
	return a, nil
}
