// Package deadletter is where every consumer of the lab sends a message it
// cannot use (malformed, foreign, out of range) instead of dropping it: a
// JetStream stream of dead letters, each the original payload with the
// reason, the original subject and the original headers.
//
//	if err := json.Unmarshal(msg.Data(), &cmd); err != nil {
//		return dlq.Send(ctx, deadletter.FromJetStream(msg, "malformed JSON: "+err.Error()))
//	}
//
// A dead letter is stored before the original is acknowledged, so nothing
// is lost between the two; Read gives the audit and the summary the
// server's own view of what was refused.
package deadletter

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Headers a dead letter carries besides the original message's own.
const (
	HeaderReason  = "Lab-Dead-Reason"
	HeaderSubject = "Lab-Dead-Original-Subject"
	// HeaderOriginalMsgID keeps the original's Nats-Msg-Id when a Letter.ID
	// takes its place.
	HeaderOriginalMsgID = "Lab-Dead-Original-Msg-Id"
)

// Letter is one refused message.
type Letter struct {
	Subject string      // where it was published
	Header  nats.Header // its headers (copied)
	Data    []byte
	Reason  string // why it was refused: "malformed JSON: ...", "unknown currency XYZ"
	// ID, when set, is the letter's Nats-Msg-Id, so the stream keeps one
	// letter per ID (within its duplicate window) however many consumers
	// refuse the same message: e.g. "<stream>.<sequence>" of the original.
	ID string
}

// FromJetStream builds a letter from a JetStream message.
func FromJetStream(m jetstream.Msg, reason string) Letter {
	return Letter{Subject: m.Subject(), Header: m.Headers(), Data: m.Data(), Reason: reason}
}

// FromMsg builds a letter from a core NATS message.
func FromMsg(m *nats.Msg, reason string) Letter {
	return Letter{Subject: m.Subject, Header: m.Header, Data: m.Data, Reason: reason}
}

// Queue is a dead-letter stream: Subject prefix and Stream name.
type Queue struct {
	js      jetstream.JetStream
	stream  string
	subject string // e.g. "cqrs.dlq": letters go to cqrs.dlq.<reason kind>
}

// ErrNoReason refuses a letter without a reason: a dead letter says why.
var ErrNoReason = errors.New("dead letter without a reason")

// Open creates (or reuses) the stream name on subject.> and returns the
// queue. The stream keeps letters on file until an operator removes them.
func Open(ctx context.Context, js jetstream.JetStream, name, subject string) (*Queue, error) {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        name,
		Description: "dead letters: refused messages with their reason, original subject and headers",
		Subjects:    []string{subject + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew, // refuse new letters rather than lose old ones
		MaxMsgs:     1_000_000,
	})
	if err != nil {
		return nil, fmt.Errorf("dead-letter stream %s: %w", name, err)
	}
	return &Queue{js: js, stream: name, subject: subject}, nil
}

// Stream is the name of the dead-letter stream.
func (q *Queue) Stream() string { return q.stream }

// Send stores a letter under subject.<kind> and waits for the stream's
// acknowledgement: only then may the caller acknowledge the original. The
// original headers travel with it, Nats-Msg-Id included, so a bad message
// that is redelivered is dead-lettered once (the stream's duplicate window);
// Letter.ID does the same for a message without one, or one that several
// consumers refuse.
func (q *Queue) Send(ctx context.Context, kind string, l Letter) error {
	m, err := NewMsg(q.subject+"."+kind, l)
	if err != nil {
		return err
	}
	if _, err := q.js.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("dead-letter %s (%s): %w", l.Subject, l.Reason, err)
	}
	return nil
}

// NewMsg builds the message that stores l on subject: the original payload
// and headers, plus the reason and the original subject. It is what Send
// publishes, for a consumer that stores its dead letters in a stream of its
// own (with its own limits, retries or message IDs); Read reads them back
// the same way.
func NewMsg(subject string, l Letter) (*nats.Msg, error) {
	if l.Reason == "" {
		return nil, ErrNoReason
	}
	m := nats.NewMsg(subject)
	for k, vs := range l.Header {
		for _, v := range vs {
			m.Header.Add(k, v)
		}
	}
	if l.ID != "" {
		if orig := m.Header.Get(jetstream.MsgIDHeader); orig != "" {
			m.Header.Set(HeaderOriginalMsgID, orig)
		}
		m.Header.Set(jetstream.MsgIDHeader, l.ID)
	}
	m.Header.Set(HeaderReason, l.Reason)
	m.Header.Set(HeaderSubject, l.Subject)
	m.Data = l.Data
	return m, nil
}

// Read returns every letter stored in the stream, oldest first, as the
// server holds them.
func Read(ctx context.Context, js jetstream.JetStream, stream string) ([]Letter, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("dead-letter stream %s: %w", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []Letter
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		rm, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("dead letter %d: %w", seq, err)
		}
		h := rm.Header
		out = append(out, Letter{Subject: h.Get(HeaderSubject), Header: h, Data: rm.Data, Reason: h.Get(HeaderReason)})
	}
	return out, nil
}

// CountByReason tallies letters by reason, for a summary line.
func CountByReason(letters []Letter) []ReasonCount {
	m := map[string]int{}
	for _, l := range letters {
		m[l.Reason]++
	}
	out := make([]ReasonCount, 0, len(m))
	for r, n := range m {
		out = append(out, ReasonCount{Reason: r, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}

// ReasonCount is one line of a dead-letter summary.
type ReasonCount struct {
	Reason string
	Count  int
}
