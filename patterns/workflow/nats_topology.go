package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/poll"
)

// The message-driven pipeline's topology is derived from Pipeline: every
// stage after collect reads a work-queue stream of its own, WF_<STAGE> on
// subject wf.<stage>, through one durable pull consumer named after the
// stage. Several processes pulling from that consumer compete for messages:
// that is the fan-out. A message leaves a work-queue stream when it is
// acknowledged, so a stream's size is the work not yet done.
//
// Rejections go to the dead-letter subject wf.dead (stream WF_DEAD, kept for
// people to read) with the reason in headers, and the store stage records
// them too.
const (
	DeadLetterSubject = "wf.dead"
	DeadLetterStream  = "WF_DEAD"
	deadConsumer      = "store-rejects"
)

// Message headers.
const (
	HeaderLineID = "Line-Id"
	HeaderRunID  = "Run-Id"
	HeaderStage  = "Stage"  // on dead letters: the stage that rejected
	HeaderKind   = "Kind"   // on dead letters: the reason's short name
	HeaderReason = "Reason" // on dead letters: the reason
)

// StreamOf is the work-queue stream feeding stage s.
func StreamOf(s Stage) string { return "WF_" + strings.ToUpper(string(s)) }

// SubjectOf is the subject feeding stage s.
func SubjectOf(s Stage) string { return "wf." + string(s) }

// Topology says how the streams and consumers behave.
type Topology struct {
	// AckWait is how long a stage may hold a message unacknowledged before
	// JetStream redelivers it to another worker: how fast a crash is noticed.
	AckWait time.Duration
	// MaxAckPending bounds the messages a stage holds unacknowledged: when a
	// stage is slow, JetStream stops delivering to it (backpressure) and the
	// backlog waits in the stream, on disk.
	MaxAckPending int
}

func (t Topology) withDefaults() Topology {
	if t.AckWait <= 0 {
		t.AckWait = 2 * time.Second
	}
	if t.MaxAckPending <= 0 {
		t.MaxAckPending = 256
	}
	return t
}

// Ensure creates (or updates) every stream and consumer, empty: a run starts
// from nothing. On a shared server this purges the WF_* streams.
func (t Topology) Ensure(ctx context.Context, js jetstream.JetStream) error {
	t = t.withDefaults()
	for _, s := range Pipeline[1:] {
		st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:       StreamOf(s),
			Subjects:   []string{SubjectOf(s)},
			Retention:  jetstream.WorkQueuePolicy,
			Storage:    jetstream.FileStorage,
			Duplicates: 2 * time.Minute, // a re-published message (same Msg-Id) is dropped
		})
		if err != nil {
			return fmt.Errorf("stream %s: %w", StreamOf(s), err)
		}
		if err := st.Purge(ctx); err != nil {
			return fmt.Errorf("purge %s: %w", StreamOf(s), err)
		}
		if _, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
			Durable:   string(s),
			AckPolicy: jetstream.AckExplicitPolicy,
			AckWait:   t.AckWait,
			// Unlimited: a worker that crashes is no reason to give up on a
			// message. Analyze counts deliveries itself and rejects a reading
			// after StageConfig.MaxAttempts failed ones, with the reason.
			MaxDeliver:    -1,
			MaxAckPending: t.MaxAckPending,
		}); err != nil {
			return fmt.Errorf("consumer %s: %w", s, err)
		}
	}
	dead, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       DeadLetterStream,
		Subjects:   []string{DeadLetterSubject},
		Retention:  jetstream.LimitsPolicy, // dead letters stay for people to inspect
		Storage:    jetstream.FileStorage,
		Duplicates: 2 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", DeadLetterStream, err)
	}
	if err := dead.Purge(ctx); err != nil {
		return fmt.Errorf("purge %s: %w", DeadLetterStream, err)
	}
	// A purge does not reset a consumer's position: recreate it.
	if err := dead.DeleteConsumer(ctx, deadConsumer); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("reset consumer %s: %w", deadConsumer, err)
	}
	if _, err := dead.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       deadConsumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       t.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: t.MaxAckPending,
	}); err != nil {
		return fmt.Errorf("consumer %s: %w", deadConsumer, err)
	}
	return nil
}

// Backlog is the work the message-driven pipeline has not finished: messages
// in each work-queue stream, in pipeline order, then dead letters the store
// has not recorded yet. A stage acknowledges its input only after the next
// stream has accepted its output, so work only moves forward; reading the
// streams in pipeline order therefore cannot miss a message in flight.
func Backlog(ctx context.Context, js jetstream.JetStream) (map[string]uint64, uint64, error) {
	per := map[string]uint64{}
	var total uint64
	for _, s := range Pipeline[1:] {
		st, err := js.Stream(ctx, StreamOf(s))
		if err != nil {
			return nil, 0, fmt.Errorf("stream %s: %w", StreamOf(s), err)
		}
		info, err := st.Info(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("stream %s: %w", StreamOf(s), err)
		}
		per[string(s)] = info.State.Msgs
		total += info.State.Msgs
	}
	c, err := js.Consumer(ctx, DeadLetterStream, deadConsumer)
	if err != nil {
		return nil, 0, fmt.Errorf("consumer %s: %w", deadConsumer, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("consumer %s: %w", deadConsumer, err)
	}
	n := info.NumPending + uint64(info.NumAckPending)
	per["dead-letters"] = n
	return per, total + n, nil
}

// WaitDrained polls the backlog until it is empty, or ctx ends.
func WaitDrained(ctx context.Context, js jetstream.JetStream, every time.Duration) error {
	var left uint64
	err := poll.Until(ctx, every, func() (bool, error) {
		_, n, err := Backlog(ctx, js)
		left = n
		return n == 0, err
	})
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("waiting for the pipeline to drain (%d messages left): %w", left, err)
	}
	return err
}
