package cqrs

import (
	"context"
	"errors"
	"fmt"
	"sync"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// EventStore is an eventhorizon.EventStore on a JetStream stream. Each
// aggregate is one subject; an append carries the stream sequence of the
// aggregate's last event as Nats-Expected-Last-Subject-Sequence, so the
// server itself refuses a writer that loaded a stale version. That refusal
// surfaces as eventhorizon's ErrEventConflictFromOtherSave.
type EventStore struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	log    Log
	codec  codec

	mu    sync.Mutex
	heads map[string]head // by subject

	// The demo's switches turn these safeguards off; nothing else does.
	skipVersionCheck bool // append without an expected sequence
	failOnForeign    bool // fail a read at a message outside the history
}

// head is the last event of an aggregate as this store last saw it: the
// version the caller knows, and the last stream sequence on its subject,
// which the server checks.
type head struct {
	version int
	seq     uint64
}

// maxHeads bounds the head cache; past it the cache starts over, which only
// costs one extra read per aggregate.
const maxHeads = 100_000

var _ eh.EventStore = (*EventStore)(nil)

// NewEventStore ensures the log's stream exists (file storage) and returns a
// store on it. The caller owns the connection behind js.
func NewEventStore(ctx context.Context, js jetstream.JetStream, l Log) (*EventStore, error) {
	stream, err := l.Ensure(ctx, js)
	if err != nil {
		return nil, err
	}
	return &EventStore{
		nc:     js.Conn(),
		js:     js,
		stream: stream,
		log:    l,
		codec:  newCodec(l),
		heads:  map[string]head{},
	}, nil
}

// Log is the stream this store writes to.
func (s *EventStore) Log() Log { return s.log }

// Save implements eventhorizon.EventStore: it appends events, which must be
// the next versions of one aggregate after originalVersion, all or nothing.
func (s *EventStore) Save(ctx context.Context, events []eh.Event, originalVersion int) error {
	if err := checkBatch(events, originalVersion); err != nil {
		return err
	}
	first, last := events[0], events[len(events)-1]
	fail := func(err error) error {
		return &eh.EventStoreError{
			Err: err, Op: eh.EventStoreOpSave,
			AggregateType: first.AggregateType(), AggregateID: first.AggregateID(),
			AggregateVersion: originalVersion, Events: events,
		}
	}
	msgs := make([]*nats.Msg, len(events))
	for i, e := range events {
		m, err := s.codec.encode(ctx, e)
		if err != nil {
			return fail(err)
		}
		msgs[i] = m
	}
	subject := msgs[0].Subject
	expected := uint64(0)
	if !s.skipVersionCheck {
		var err error
		if expected, err = s.expectedSequence(ctx, subject, first.AggregateID(), originalVersion); err != nil {
			return fail(err)
		}
	}
	seq, err := s.append(ctx, msgs, expected, !s.skipVersionCheck)
	if err != nil {
		s.distrust(subject)
		if isWrongLastSequence(err) {
			return fail(eh.ErrEventConflictFromOtherSave)
		}
		return fail(err)
	}
	s.remember(subject, head{version: last.Version(), seq: seq})
	return nil
}

// checkBatch enforces what eventhorizon's acceptance suite expects of every
// store before anything is written.
func checkBatch(events []eh.Event, originalVersion int) error {
	if len(events) == 0 {
		return &eh.EventStoreError{Err: eh.ErrMissingEvents, Op: eh.EventStoreOpSave}
	}
	first := events[0]
	for i, e := range events {
		var err error
		switch {
		case e.AggregateID() != first.AggregateID():
			err = eh.ErrMismatchedEventAggregateIDs
		case e.AggregateType() != first.AggregateType():
			err = eh.ErrMismatchedEventAggregateTypes
		case e.Version() != originalVersion+i+1:
			err = eh.ErrIncorrectEventVersion
		}
		if err != nil {
			return &eh.EventStoreError{
				Err: err, Op: eh.EventStoreOpSave,
				AggregateType: first.AggregateType(), AggregateID: first.AggregateID(),
				AggregateVersion: originalVersion, Events: events,
			}
		}
	}
	return nil
}

// expectedSequence is the stream sequence the subject's last message must
// still have for this append to be accepted: the cached head when the
// caller's version matches it (loading the aggregate fills it), 0 for a new
// aggregate this store knows nothing of, else (a distrusted head included)
// the head read back by the history rule. Reading it is not a race: the server re-checks it
// atomically, and refuses the append if anything landed on the subject since.
func (s *EventStore) expectedSequence(ctx context.Context, subject string, id uuid.UUID, originalVersion int) (uint64, error) {
	s.mu.Lock()
	h, ok := s.heads[subject]
	s.mu.Unlock()
	switch {
	case ok && h.version == originalVersion:
		return h.seq, nil
	case !ok && originalVersion == 0:
		return 0, nil // if the subject is not empty after all, the server says so
	}
	v, last, err := s.history(ctx, id, func(eh.Event) {})
	if err != nil {
		return 0, fmt.Errorf("head of %s: %w", subject, err)
	}
	s.remember(subject, head{version: v, seq: last[subject]})
	switch {
	case v > originalVersion:
		return 0, eh.ErrEventConflictFromOtherSave
	case v < originalVersion:
		return 0, eh.ErrIncorrectEventVersion
	}
	return last[subject], nil
}

func (s *EventStore) remember(subject string, h head) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.heads) >= maxHeads {
		clear(s.heads)
	}
	if old, ok := s.heads[subject]; !ok || old.version < 0 || old.seq < h.seq {
		s.heads[subject] = h
	}
}

// distrust marks the subject's head as unknown after a failed append (a
// conflict, or an append whose outcome is unknown), so the next append reads
// it back instead of taking a cached or assumed one: without it, a new
// aggregate whose subject a stranger wrote first would expect 0 forever.
func (s *EventStore) distrust(subject string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heads[subject] = head{version: -1}
}

// isWrongLastSequence reports the server's "wrong last sequence" refusal:
// code 10071 on a single server, 10164 on a replicated stream.
func isWrongLastSequence(err error) bool {
	var api *jetstream.APIError
	if !errors.As(err, &api) {
		return false
	}
	return api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
}

// Close implements eventhorizon.EventStore. The connection belongs to the
// caller, so there is nothing to release.
func (s *EventStore) Close() error { return nil }

// WithoutExpectedVersion makes every later append carry no expected last
// sequence, so the server stores whatever comes: the lost update that
// optimistic concurrency prevents. Demos call it to show what the check is
// for; nothing else should.
func (s *EventStore) WithoutExpectedVersion() { s.skipVersionCheck = true }
