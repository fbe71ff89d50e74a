package cqrs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

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

// serverOpenBatchLimit is nats-server's default limit on the atomic batches
// open at once on one stream (max_batch_inflight_per_stream). Past it the
// server drops a batch's first message without a word (it was sent without
// a reply subject) and refuses the commit as incomplete. The server does not
// tell clients its limit, so a store keeps its own batches within the
// default, and treats a refusal as a reason to try again (openBatchRefused).
const serverOpenBatchLimit = 50

// ErrAppendOutcomeUnknown wraps the error of an append that may have been
// stored although the call failed: the request, or a batch's commit, left
// this client and no answer came back (a timeout, a cancelled context, a
// connection lost after the send; nats.go may also still hold it in its
// reconnect buffer and send it when the connection comes back). Every other
// error from Save means "not applied". Retrying the same Save at the same
// version is safe: the expected-version check lets at most one of the tries
// land, so the retry either lands or is refused as a conflict, which after
// an unknown outcome can be this store's own first try (load to see).
var ErrAppendOutcomeUnknown = errors.New("append outcome unknown: it may still be stored")

// ErrNotConnected is a Save refused before anything was sent, because the
// connection is down: publishing then would only fill nats.go's reconnect
// buffer, from which the append could land long after Save gave up.
var ErrNotConnected = errors.New("not connected to the server; nothing sent")

// append writes msgs to one aggregate's subject if its last stream sequence
// is still expected, and returns the sequence of the last message written.
// One message is a plain publish; several are one atomic batch whose first
// message carries the expectation, so a command's events are never split.
// Without check (the demo's -expected-version=false) the server stores
// whatever comes, which is how updates get lost.
//
// An error wraps ErrAppendOutcomeUnknown when the append may have been
// stored; any other error means it was not. Two refusals that say nothing
// about the version are retried within ctx: on a replicated stream, another
// append on the same subject still being replicated (10164, which is not a
// conflict: that append may yet fail), and a batch the server had no room
// for (openBatchRefused). Both say nothing was stored, which is not always
// so around a change of leader; a conflict met on a later try is therefore
// checked against the log (afterRefusals).
func (s *EventStore) append(ctx context.Context, msgs []*nats.Msg, expected uint64, check bool) (uint64, error) {
	wait := time.Millisecond
	var first error // the first refusal, when append tried again
	for refused := 0; ; refused++ {
		seq, err := s.appendOnce(ctx, msgs, expected, check)
		if err != nil && refused > 0 {
			if isWrongLastSequence(err) {
				return s.afterRefusals(ctx, msgs, expected, err, first, refused)
			}
			err = fmt.Errorf("%w (after %d refusals, the first: %v)", err, refused, first)
		}
		if err == nil || !(isBusySubject(err) || openBatchRefused(err)) {
			return seq, err
		}
		if first == nil {
			first = err
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%w (gave up waiting: %w)", err, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// afterRefusals settles a conflict met on a later try. On a replicated
// stream around a change of leader, a refusal does not always mean nothing
// was stored: the histories caught a batch refused (and sent again) that
// was in the log all the same, its second try then refused as a conflict
// with it. So the subject is read back from the sequence this append
// expected up to the head the leader reports: if this append's last message
// is there, the append landed; if the read is complete and it is not, the
// conflict stands; otherwise the outcome is unknown.
func (s *EventStore) afterRefusals(ctx context.Context, msgs []*nats.Msg, expected uint64, conflict, first error, refused int) (uint64, error) {
	last := msgs[len(msgs)-1]
	unknown := func(why error) (uint64, error) {
		return 0, fmt.Errorf("%w: a conflict after %d refusals (the first: %v), and %v", ErrAppendOutcomeUnknown, refused, first, why)
	}
	head, _, err := leaderLastSeq(ctx, s.nc, s.log.Stream, last.Subject)
	if err != nil {
		return unknown(err)
	}
	var (
		seen  uint64
		found uint64
	)
	err = readLog(ctx, s.nc, s.log.Stream, last.Subject, expected+1, head, func(page []storedMsg) error {
		for _, m := range page {
			seen = m.seq
			if found == 0 && bytes.Equal(m.data, last.Data) {
				found = m.seq
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return unknown(err)
	case found > 0:
		return found, nil // the earlier try landed
	case seen < head:
		return unknown(fmt.Errorf("the replica read holds %s up to seq %d of %d", last.Subject, seen, head))
	}
	return 0, conflict
}

func (s *EventStore) appendOnce(ctx context.Context, msgs []*nats.Msg, expected uint64, check bool) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("append to %s: %w", msgs[0].Subject, err) // nothing sent
	}
	if !s.nc.IsConnected() {
		return 0, fmt.Errorf("append to %s: %w (%s)", msgs[0].Subject, ErrNotConnected, s.nc.Status())
	}
	if len(msgs) == 1 {
		var opts []jetstream.PublishOpt
		if check {
			opts = append(opts, jetstream.WithExpectLastSequencePerSubject(expected))
		}
		ack, err := s.js.PublishMsg(ctx, msgs[0], opts...)
		if err != nil {
			return 0, fmt.Errorf("append to %s: %w", msgs[0].Subject, sent(err))
		}
		return ack.Sequence, nil
	}
	return s.appendBatch(ctx, msgs, expected, check)
}

// appendBatch sends msgs as one atomic batch. Once its first message is out,
// the context is no longer consulted until the commit is sent too: a batch
// left without its commit stays open on the server until it times out
// (10 s), and holds one of the stream's few open-batch places meanwhile.
// Only the wait for the commit's answer ends with ctx.
func (s *EventStore) appendBatch(ctx context.Context, msgs []*nats.Msg, expected uint64, check bool) (uint64, error) {
	select {
	case s.openBatches <- struct{}{}:
		defer func() { <-s.openBatches }()
	case <-ctx.Done():
		return 0, fmt.Errorf("append batch to %s: %w", msgs[0].Subject, ctx.Err()) // nothing sent
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
	last.Header.Set(headerBatchCommit, "1")
	sub, err := s.nc.SubscribeSync(s.nc.NewRespInbox())
	if err != nil {
		return 0, fmt.Errorf("append batch to %s: %w", last.Subject, err) // nothing sent
	}
	defer func() { _ = sub.Unsubscribe() }()
	last.Reply = sub.Subject
	for _, m := range msgs {
		// A failed publish leaves the batch without its commit: the server
		// stores none of it, so this error means "not applied".
		if err := s.nc.PublishMsg(m); err != nil {
			return 0, fmt.Errorf("append batch to %s: %w", m.Subject, err)
		}
	}
	reply, err := sub.NextMsgWithContext(ctx)
	if err != nil {
		return 0, fmt.Errorf("commit batch to %s: %w", last.Subject, sent(err))
	}
	return parseBatchAck(reply)
}

// sent classifies the error of a request that has left this client: a
// server's refusal or "no responders" means nothing was stored; anything
// else (a timeout, a cancelled context, a lost connection) leaves the
// outcome unknown.
func sent(err error) error {
	var api *jetstream.APIError
	switch {
	case errors.As(err, &api),
		errors.Is(err, nats.ErrNoResponders),
		errors.Is(err, jetstream.ErrNoStreamResponse): // no responders, every try
		return err
	}
	return fmt.Errorf("%w: %w", ErrAppendOutcomeUnknown, err)
}

// batchAck is the reply to a batch commit: a PubAck, or an API error.
type batchAck struct {
	Error    *jetstream.APIError `json:"error,omitempty"`
	Sequence uint64              `json:"seq"`
	Count    int                 `json:"count"`
}

func parseBatchAck(reply *nats.Msg) (uint64, error) {
	if status := reply.Header.Get("Status"); status != "" {
		if status == "503" {
			return 0, fmt.Errorf("commit batch: %w", nats.ErrNoResponders)
		}
		return 0, fmt.Errorf("commit batch: status %s %s: %w", status, reply.Header.Get("Description"), ErrAppendOutcomeUnknown)
	}
	var ack batchAck
	if err := json.Unmarshal(reply.Data, &ack); err != nil {
		return 0, fmt.Errorf("commit batch: %w: reply %q: %w", ErrAppendOutcomeUnknown, reply.Data, err)
	}
	if ack.Error != nil {
		return 0, fmt.Errorf("commit batch: %w", ack.Error)
	}
	if ack.Sequence == 0 { // no message has sequence 0: this is no PubAck
		return 0, fmt.Errorf("commit batch: %w: reply %q names no sequence", ErrAppendOutcomeUnknown, reply.Data)
	}
	return ack.Sequence, nil
}

// openBatchRefused reports the server refusing a batch for want of room
// (too many open batches, 10210) or because it no longer holds the batch's
// first messages (incomplete, 10176: dropped at the limit, or timed out).
// Either way nothing of the batch was stored.
func openBatchRefused(err error) bool {
	var api *jetstream.APIError
	return errors.As(err, &api) &&
		(api.ErrorCode == errCodeBatchIncomplete || api.ErrorCode == errCodeTooManyOpenBatches)
}

// The server's error codes for atomic batches (nats-server's
// JSAtomicPublishIncompleteBatchErr and JSAtomicPublishTooManyInflight),
// which nats.go's jetstream package does not name.
const (
	errCodeBatchIncomplete    jetstream.ErrorCode = 10176
	errCodeTooManyOpenBatches jetstream.ErrorCode = 10210
)
