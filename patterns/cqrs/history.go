package cqrs

import (
	"context"
	"errors"
	"fmt"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
)

// ErrNotNextVersion is a stored message that decodes as an event but is not
// the next version of its aggregate: an append made without (or around) the
// version check, or a foreign event. The store's own appends never produce
// one, because the server refuses an append whose expected sequence is stale.
var ErrNotNextVersion = errors.New("not the next version of its aggregate")

// Skip is a stored message that a reader left out of the history, with why.
type Skip struct {
	Seq     uint64 // its stream sequence
	Subject string
	Err     error // wraps ErrMalformedEvent or ErrNotNextVersion
}

func (s Skip) String() string { return fmt.Sprintf("seq %d: %v", s.Seq, s.Err) }

// The history rule, one for every reader of the log: an aggregate's history
// is the messages on its subject that decode as its events and carry the
// versions 1, 2, 3... in stream order. Anything else on the subject (a
// foreign message, a corrupt record, an event appended on a stale version)
// is skipped and reported, never folded. The log denies delete and purge, so
// such a message can never be removed: readers must agree to leave it out,
// and because they all apply this rule, the aggregate, the live read models
// and a replay see the same history.

// nextEvent decodes m and checks that it is the next version of its
// aggregate after the one in versions, which it then advances.
func (s *EventStore) nextEvent(ctx context.Context, m storedMsg, versions map[uuid.UUID]int) (eh.Event, context.Context, error) {
	e, ectx, err := s.codec.decode(ctx, m.subject, m.header, m.data)
	if err != nil {
		return nil, ctx, err
	}
	if last := versions[e.AggregateID()]; e.Version() != last+1 {
		return nil, ctx, fmt.Errorf("%w: %s has version %d after %d", ErrNotNextVersion, m.subject, e.Version(), last)
	}
	versions[e.AggregateID()] = e.Version()
	return e, ectx, nil
}

// history reads one aggregate's subject and hands keep every event of its
// history. It returns the aggregate's version and, per subject read, the
// sequence of the last message there, skipped or not: that is what the
// server compares an append's expectation with.
func (s *EventStore) history(ctx context.Context, id uuid.UUID, keep func(eh.Event)) (int, map[string]uint64, error) {
	versions, last := map[uuid.UUID]int{}, map[string]uint64{}
	err := readLog(ctx, s.nc, s.log.Stream, s.log.aggregateFilter(id), 1, 0, func(page []storedMsg) error {
		for _, m := range page {
			last[m.subject] = m.seq
			e, _, err := s.nextEvent(ctx, m, versions)
			if err != nil {
				if s.failOnForeign {
					return fmt.Errorf("at seq %d: %w", m.seq, err)
				}
				continue // left out, as every reader leaves it out
			}
			keep(e)
		}
		return nil
	})
	return versions[id], last, err
}
