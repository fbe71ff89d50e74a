package cqrs

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// Headers of JetStream's atomic batch publish (ADR-50): the messages of a
// batch are staged by the server and stored together on the commit, or not
// at all.
const (
	headerBatchID     = "Nats-Batch-Id"
	headerBatchSeq    = "Nats-Batch-Sequence"
	headerBatchCommit = "Nats-Batch-Commit"
)

// append writes msgs to one aggregate's subject if its last stream sequence
// is still expected, and returns the sequence of the last message written.
// One message is a plain publish; several are one atomic batch whose first
// message carries the expectation, so a command's events are never split.
// Without check (the demo's -expected-version=false) the server stores
// whatever comes, which is how updates get lost.
func (s *EventStore) append(ctx context.Context, msgs []*nats.Msg, expected uint64, check bool) (uint64, error) {
	if len(msgs) == 1 {
		var opts []jetstream.PublishOpt
		if check {
			opts = append(opts, jetstream.WithExpectLastSequencePerSubject(expected))
		}
		ack, err := s.js.PublishMsg(ctx, msgs[0], opts...)
		if err != nil {
			return 0, fmt.Errorf("append to %s: %w", msgs[0].Subject, err)
		}
		return ack.Sequence, nil
	}
	batch := nuid.Next()
	for i, m := range msgs {
		m.Header = nats.Header{}
		m.Header.Set(headerBatchID, batch)
		m.Header.Set(headerBatchSeq, strconv.Itoa(i+1))
	}
	if check {
		msgs[0].Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(expected, 10))
	}
	last := msgs[len(msgs)-1]
	for _, m := range msgs[:len(msgs)-1] {
		if err := s.nc.PublishMsg(m); err != nil {
			return 0, fmt.Errorf("append batch to %s: %w", m.Subject, err)
		}
	}
	last.Header.Set(headerBatchCommit, "1")
	reply, err := s.nc.RequestMsgWithContext(ctx, last)
	if err != nil {
		return 0, fmt.Errorf("commit batch to %s: %w", last.Subject, err)
	}
	return parseBatchAck(reply)
}

// batchAck is the reply to a batch commit: a PubAck, or an API error.
type batchAck struct {
	Error    *jetstream.APIError `json:"error,omitempty"`
	Sequence uint64              `json:"seq"`
	Count    int                 `json:"count"`
}

func parseBatchAck(reply *nats.Msg) (uint64, error) {
	if status := reply.Header.Get("Status"); status != "" {
		return 0, fmt.Errorf("commit batch: status %s %s", status, reply.Header.Get("Description"))
	}
	var ack batchAck
	if err := json.Unmarshal(reply.Data, &ack); err != nil {
		return 0, fmt.Errorf("commit batch: reply %q: %w", reply.Data, err)
	}
	if ack.Error != nil {
		return 0, fmt.Errorf("commit batch: %w", ack.Error)
	}
	if ack.Sequence == 0 { // no message has sequence 0: this is no PubAck
		return 0, fmt.Errorf("commit batch: reply %q names no sequence", reply.Data)
	}
	return ack.Sequence, nil
}
