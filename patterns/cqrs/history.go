package cqrs

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	e, ectx, err := s.codec.decode(ctx, m.subject, m.data)
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
//
// The events come from batched direct gets, which any replica of the stream
// answers, also one that lags behind the leader. So history first asks the
// stream's leader for the aggregate's last sequence (a plain message get,
// which only the leader answers), reads up to it, and reads again if the
// replica that answered did not have it yet: a load then sees every append
// acknowledged before it began (see readsFromAnyReplica for the knob).
// When the aggregate's messages are all on one subject it reads their
// payloads only (readSubject); otherwise, or when that read cannot show it
// holds exactly the messages up to the leader's last, it reads them with
// their headers (historyInOrder).
func (s *EventStore) history(ctx context.Context, id uuid.UUID, keep func(eh.Event)) (int, map[string]uint64, error) {
	filter := s.log.aggregateFilter(id)
	if s.readsFromAnyReplica {
		return s.historyInOrder(ctx, id, filter, 0, keep)
	}
	upTo, subject, err := leaderLastSeq(ctx, s.nc, s.log.Stream, filter)
	if err != nil || upTo == 0 {
		return 0, map[string]uint64{}, err
	}
	r, err := readSubject(ctx, s.nc, s.log.Stream, filter, subject, upTo)
	if err != nil {
		return 0, map[string]uint64{}, err
	}
	if !r.exact {
		return s.historyInOrder(ctx, id, filter, upTo, keep)
	}
	var (
		events   = make([]eh.Event, 0, len(r.payloads))
		versions = map[uuid.UUID]int{}
	)
	for _, data := range r.payloads {
		e, _, err := s.nextEvent(ctx, storedMsg{subject: subject, data: data}, versions)
		if err != nil {
			if s.failOnForeign {
				return versions[id], map[string]uint64{subject: upTo}, fmt.Errorf("on %s up to seq %d: %w", subject, upTo, err)
			}
			continue // left out, as every reader leaves it out
		}
		events = append(events, e)
	}
	for _, e := range events {
		keep(e)
	}
	return versions[id], map[string]uint64{subject: upTo}, nil
}

// historyInOrder is history read in stream order across every subject of
// the aggregate, with each message's subject and sequence, up to upTo (0:
// as far as the replica that answers holds).
func (s *EventStore) historyInOrder(ctx context.Context, id uuid.UUID, filter string, upTo uint64, keep func(eh.Event)) (int, map[string]uint64, error) {
	wait := 5 * time.Millisecond
	for {
		var (
			events   []eh.Event
			versions = map[uuid.UUID]int{}
			last     = map[string]uint64{}
			seen     uint64
		)
		err := readLog(ctx, s.nc, s.log.Stream, filter, 1, upTo, func(page []storedMsg) error {
			for _, m := range page {
				last[m.subject], seen = m.seq, m.seq
				e, _, err := s.nextEvent(ctx, m, versions)
				if err != nil {
					if s.failOnForeign {
						return fmt.Errorf("at seq %d: %w", m.seq, err)
					}
					continue // left out, as every reader leaves it out
				}
				events = append(events, e)
			}
			return nil
		})
		if err != nil {
			return versions[id], last, err
		}
		if seen == upTo || s.readsFromAnyReplica {
			for _, e := range events {
				keep(e)
			}
			return versions[id], last, nil
		}
		// The replica that answered is behind the leader: ask again (the
		// replicas share the direct gets, so another may answer).
		select {
		case <-ctx.Done():
			return 0, last, fmt.Errorf("read %s: the replicas hold up to seq %d of %d: %w", filter, seen, upTo, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}
