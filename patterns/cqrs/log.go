package cqrs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/nats-io/nats.go/jetstream"
)

// Log describes the JetStream stream that holds every event of the ledger:
// one stream, one subject per aggregate, "<Prefix>.<aggregate type>.<id>".
// The event store appends to it and the event bus consumes from it, so an
// event is published the moment it is stored: there is no second write.
type Log struct {
	// Stream is the JetStream stream name.
	Stream string
	// Prefix is the first subject token(s), e.g. "ledger".
	Prefix string
	// Replicas is the stream's replication factor (1 embedded, 3 in a cluster).
	Replicas int
	// Duplicates is the window of JetStream's Nats-Msg-Id dedupe.
	Duplicates time.Duration
}

// DefaultLog is the ledger's log on a single server.
func DefaultLog() Log {
	return Log{Stream: "LEDGER", Prefix: "ledger", Replicas: 1, Duplicates: 2 * time.Minute}
}

// ErrBadSubjectToken is returned for an aggregate type that cannot be a
// subject token (empty, or containing '.', '*', '>' or whitespace).
var ErrBadSubjectToken = errors.New("not a valid subject token")

// Subject is the one subject that holds the events of one aggregate.
func (l Log) Subject(t eh.AggregateType, id uuid.UUID) (string, error) {
	if err := checkToken(string(t)); err != nil {
		return "", fmt.Errorf("aggregate type %q: %w", t, err)
	}
	return l.Prefix + "." + string(t) + "." + id.String(), nil
}

// aggregateFilter matches the subject of aggregate id whatever its type:
// eventhorizon loads by ID alone.
func (l Log) aggregateFilter(id uuid.UUID) string { return l.Prefix + ".*." + id.String() }

// typeFilter matches every aggregate of one type.
func (l Log) typeFilter(t eh.AggregateType) string { return l.Prefix + "." + string(t) + ".*" }

// all matches every event in the log.
func (l Log) all() string { return l.Prefix + ".>" }

// DeadLetterStream is the stream where the log's consumers put the messages
// they cannot decode: "<Stream>_DLQ".
func (l Log) DeadLetterStream() string { return l.Stream + "_DLQ" }

// DeadLetterSubject is the subject prefix of the dead letters,
// "<Prefix>-dlq": outside the log's own subjects, so a dead letter is never
// read back as an event.
func (l Log) DeadLetterSubject() string { return l.Prefix + "-dlq" }

// Subjects are the subjects the log owns: its events and its dead letters.
// Only the module's own user may publish on them; on an embedded server
// that is natsembed.Options.Protect, on a real one the user permissions the
// chapter shows.
func (l Log) Subjects() []string { return []string{l.all(), l.DeadLetterSubject() + ".>"} }

// parseSubject splits "<prefix>.<type>.<id>" back into its parts.
func (l Log) parseSubject(subject string) (eh.AggregateType, uuid.UUID, error) {
	rest, ok := strings.CutPrefix(subject, l.Prefix+".")
	if !ok {
		return "", uuid.Nil, fmt.Errorf("subject %q is outside prefix %q", subject, l.Prefix)
	}
	t, idText, ok := strings.Cut(rest, ".")
	if !ok || checkToken(t) != nil {
		return "", uuid.Nil, fmt.Errorf("subject %q is not <prefix>.<type>.<id>", subject)
	}
	id, err := uuid.Parse(idText)
	if err != nil {
		return "", uuid.Nil, fmt.Errorf("subject %q: aggregate id: %w", subject, err)
	}
	return eh.AggregateType(t), id, nil
}

func checkToken(s string) error {
	if s == "" || strings.ContainsAny(s, ".*> \t\r\n") {
		return ErrBadSubjectToken
	}
	return nil
}

// Ensure creates the stream, or updates it to this configuration. The log is
// append-only: DenyDelete and DenyPurge make JetStream refuse to remove single
// events, which is what a ledger's auditors expect. AllowDirect serves loads
// from any replica without a consumer; AllowAtomicPublish lets one command's
// events land all together or not at all.
func (l Log) Ensure(ctx context.Context, js jetstream.JetStream) (jetstream.Stream, error) {
	if err := checkToken(l.Stream); err != nil {
		return nil, fmt.Errorf("stream name %q: %w", l.Stream, err)
	}
	replicas := max(l.Replicas, 1)
	s, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:               l.Stream,
		Description:        "event-sourced ledger: one subject per aggregate",
		Subjects:           []string{l.all()},
		Retention:          jetstream.LimitsPolicy,
		Storage:            jetstream.FileStorage,
		Replicas:           replicas,
		Duplicates:         l.Duplicates,
		DenyDelete:         true,
		DenyPurge:          true,
		AllowDirect:        true,
		AllowAtomicPublish: true,
	})
	if err != nil {
		return nil, fmt.Errorf("ensure stream %s: %w", l.Stream, err)
	}
	return s, nil
}
