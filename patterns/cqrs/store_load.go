package cqrs

import (
	"context"
	"fmt"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
)

// Load implements eventhorizon.EventStore: every event of the aggregate.
func (s *EventStore) Load(ctx context.Context, id uuid.UUID) ([]eh.Event, error) {
	return s.LoadFrom(ctx, id, 1)
}

// LoadFrom implements eventhorizon.EventStore: the aggregate's events from
// version on. It reads the aggregate's subject with batched direct gets and
// checks that versions run 1, 2, 3... without a gap: a hole in an aggregate's
// history is corruption, not something to fold over.
func (s *EventStore) LoadFrom(ctx context.Context, id uuid.UUID, version int) ([]eh.Event, error) {
	fail := func(err error, v int) error {
		return &eh.EventStoreError{Err: err, Op: eh.EventStoreOpLoad, AggregateID: id, AggregateVersion: v}
	}
	var (
		events []eh.Event
		last   head
	)
	err := readLog(ctx, s.nc, s.log.Stream, s.log.aggregateFilter(id), 1, 0, func(page []storedMsg) error {
		for _, m := range page {
			e, _, err := s.codec.decode(ctx, m.subject, m.header, m.data)
			if err != nil {
				return err
			}
			if e.Version() != last.version+1 {
				return fmt.Errorf("%w: %s has version %d after %d", ErrMalformedEvent, m.subject, e.Version(), last.version)
			}
			last = head{version: e.Version(), seq: m.seq}
			if e.Version() >= version {
				events = append(events, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fail(err, last.version)
	}
	if last.version == 0 {
		return nil, fail(eh.ErrAggregateNotFound, 0)
	}
	s.remember(id, last)
	return events, nil
}
