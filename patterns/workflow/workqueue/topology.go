package workqueue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// Topology is the streams and consumers of the pipeline, derived from
// pipeline.Stages: every stage after collect reads a work-queue stream of its
// own (WF_CLEAN on subject wf.clean, ...) through one durable pull consumer
// named after the stage. Several processes pulling from that consumer
// compete for its messages: that is the fan-out. A message leaves a
// work-queue stream when it is acknowledged, so a stream's size is the work
// not yet done.
//
// Rejections (a malformed line, a reading analyze gave up on) go to
// wf.rejects (stream WF_REJECTS) with the reason in headers, and the store
// records them. A message no stage can use at all (not JSON, not from the
// collector) is a dead letter: it goes to WF_DLQ (kit/deadletter, on
// wf.dlq.<kind>) with the reason, its subject and its headers, and is kept
// for people.
type Topology struct {
	// Subjects is the first token of every subject ("wf" by default) and
	// Streams the start of every stream name ("WF"). On a shared server
	// both carry a suffix of the run's own (natsembed.Target.Unique), so a
	// run creates, and later deletes, only what is its own.
	Subjects string `json:"subjects,omitempty"`
	Streams  string `json:"streams,omitempty"`
	// AckWait is how long a stage may hold a message unacknowledged before
	// JetStream redelivers it to another consumer: how fast a crash is
	// noticed.
	AckWait time.Duration `json:"ack_wait,omitempty"`
	// MaxAckPending bounds the messages a stage holds unacknowledged: when a
	// stage is slow, JetStream stops delivering to it (backpressure) and the
	// backlog waits in the stream, on disk.
	MaxAckPending int `json:"max_ack_pending,omitempty"`
}

// Message headers.
const (
	HeaderLineID = "Line-Id"
	HeaderRunID  = "Run-Id"
	HeaderStage  = "Stage"  // on rejections: the stage that rejected
	HeaderKind   = "Kind"   // on rejections: the reason's short name
	HeaderReason = "Reason" // on rejections: the reason
)

// rejectsConsumer is the store's consumer of the rejections stream.
const rejectsConsumer = "store-rejects"

// WithDefaults fills in what is not set.
func (t Topology) WithDefaults() Topology {
	if t.Subjects == "" {
		t.Subjects = "wf"
	}
	if t.Streams == "" {
		t.Streams = "WF"
	}
	if t.AckWait <= 0 {
		t.AckWait = 2 * time.Second
	}
	if t.MaxAckPending <= 0 {
		t.MaxAckPending = 256
	}
	return t
}

// Stream is the work-queue stream feeding stage s: WF_CLEAN for clean.
func (t Topology) Stream(s pipeline.Stage) string {
	return t.WithDefaults().Streams + "_" + strings.ToUpper(string(s))
}

// Subject is the subject feeding stage s: wf.clean for clean.
func (t Topology) Subject(s pipeline.Stage) string {
	return t.WithDefaults().Subjects + "." + string(s)
}

// RejectsStream and RejectsSubject carry rejections to the store.
func (t Topology) RejectsStream() string  { return t.WithDefaults().Streams + "_REJECTS" }
func (t Topology) RejectsSubject() string { return t.WithDefaults().Subjects + ".rejects" }

// DeadLetterStream and DeadLetterSubject keep the messages no stage could
// use; letters are published on DeadLetterSubject.<kind>.
func (t Topology) DeadLetterStream() string  { return t.WithDefaults().Streams + "_DLQ" }
func (t Topology) DeadLetterSubject() string { return t.WithDefaults().Subjects + ".dlq" }

// Owned is the subject filter of everything the pipeline publishes on:
// what an embedded server lets only the pipeline's own user publish.
func (t Topology) Owned() string { return t.WithDefaults().Subjects + ".>" }

// WorkStreams lists the work-queue streams in pipeline order.
func (t Topology) WorkStreams() []string {
	var out []string
	for _, s := range pipeline.Stages[1:] {
		out = append(out, t.Stream(s))
	}
	return out
}

// Create makes every stream and consumer. It never purges nor changes a
// stream that exists with another configuration: it fails instead, so a run
// cannot damage what others keep on a shared server.
func (t Topology) Create(ctx context.Context, js jetstream.JetStream) error {
	t = t.WithDefaults()
	for _, s := range pipeline.Stages[1:] {
		st, err := js.CreateStream(ctx, jetstream.StreamConfig{
			Name:        t.Stream(s),
			Description: "workflow pipeline: work for the " + string(s) + " stage",
			Subjects:    []string{t.Subject(s)},
			Retention:   jetstream.WorkQueuePolicy,
			Storage:     jetstream.FileStorage,
			Duplicates:  2 * time.Minute, // a re-published message (same Msg-Id) is dropped
		})
		if err != nil {
			return fmt.Errorf("stream %s: %w", t.Stream(s), err)
		}
		if _, err := st.CreateConsumer(ctx, jetstream.ConsumerConfig{
			Durable:   string(s),
			AckPolicy: jetstream.AckExplicitPolicy,
			AckWait:   t.AckWait,
			// Unlimited: a consumer that crashes is no reason to give up on
			// a message. Analyze counts deliveries itself and rejects a
			// reading after StageConfig.MaxAttempts failed ones, with the
			// reason.
			MaxDeliver:    -1,
			MaxAckPending: t.MaxAckPending,
		}); err != nil {
			return fmt.Errorf("consumer %s: %w", s, err)
		}
	}
	rejects, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name:        t.RejectsStream(),
		Description: "workflow pipeline: rejected lines with their reason, for the store",
		Subjects:    []string{t.RejectsSubject()},
		Retention:   jetstream.LimitsPolicy, // kept for people to read
		Storage:     jetstream.FileStorage,
		Duplicates:  2 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", t.RejectsStream(), err)
	}
	if _, err := rejects.CreateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       rejectsConsumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       t.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: t.MaxAckPending,
	}); err != nil {
		return fmt.Errorf("consumer %s: %w", rejectsConsumer, err)
	}
	if _, err := deadletter.Open(ctx, js, t.DeadLetterStream(), t.DeadLetterSubject()); err != nil {
		return err
	}
	return nil
}

// Delete removes every stream Create made (their consumers go with them).
// A stream that is already gone is not an error.
func (t Topology) Delete(ctx context.Context, js jetstream.JetStream) error {
	var errs []error
	for _, name := range append(t.WorkStreams(), t.RejectsStream(), t.DeadLetterStream()) {
		if err := js.DeleteStream(ctx, name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			errs = append(errs, fmt.Errorf("delete stream %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// Backlog is the work the pipeline has not finished: messages in each
// work-queue stream, in pipeline order, then rejections the store has not
// recorded yet. A stage acknowledges its input only after the next stream
// has accepted its output, so work only moves forward; reading the streams
// in pipeline order therefore cannot miss a message in flight.
func (t Topology) Backlog(ctx context.Context, js jetstream.JetStream) (map[string]uint64, uint64, error) {
	per := map[string]uint64{}
	var total uint64
	for _, s := range pipeline.Stages[1:] {
		st, err := js.Stream(ctx, t.Stream(s))
		if err != nil {
			return nil, 0, fmt.Errorf("stream %s: %w", t.Stream(s), err)
		}
		info, err := st.Info(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("stream %s: %w", t.Stream(s), err)
		}
		per[string(s)] = info.State.Msgs
		total += info.State.Msgs
	}
	c, err := js.Consumer(ctx, t.RejectsStream(), rejectsConsumer)
	if err != nil {
		return nil, 0, fmt.Errorf("consumer %s: %w", rejectsConsumer, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("consumer %s: %w", rejectsConsumer, err)
	}
	n := info.NumPending + uint64(info.NumAckPending)
	per["rejections"] = n
	return per, total + n, nil
}

// WaitDrained polls the backlog until it is empty, or ctx ends.
func (t Topology) WaitDrained(ctx context.Context, js jetstream.JetStream, every time.Duration) error {
	var left uint64
	err := poll.Until(ctx, every, func() (bool, error) {
		_, n, err := t.Backlog(ctx, js)
		left = n
		return n == 0, err
	})
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("waiting for the pipeline to drain (%d messages left): %w", left, err)
	}
	return err
}
