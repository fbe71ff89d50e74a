package cqrs

import (
	"context"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
)

// Load implements eventhorizon.EventStore: every event of the aggregate.
func (s *EventStore) Load(ctx context.Context, id uuid.UUID) ([]eh.Event, error) {
	return s.LoadFrom(ctx, id, 1)
}

// LoadFrom implements eventhorizon.EventStore: the aggregate's events from
// version on. It reads the aggregate's subject with batched direct gets and
// folds only its history (see the history rule): a foreign message on the
// subject is left out, so it can neither change the account nor lock it.
// Loading also refreshes the head the next append expects, the last
// sequence on the subject, skipped messages included.
func (s *EventStore) LoadFrom(ctx context.Context, id uuid.UUID, version int) ([]eh.Event, error) {
	var events []eh.Event
	v, last, err := s.history(ctx, id, func(e eh.Event) {
		if e.Version() >= version {
			events = append(events, e)
		}
	})
	if err != nil {
		return nil, &eh.EventStoreError{Err: err, Op: eh.EventStoreOpLoad, AggregateID: id, AggregateVersion: v}
	}
	for subject, seq := range last {
		s.remember(subject, head{version: v, seq: seq})
	}
	if v == 0 {
		return nil, &eh.EventStoreError{Err: eh.ErrAggregateNotFound, Op: eh.EventStoreOpLoad, AggregateID: id}
	}
	return events, nil
}
