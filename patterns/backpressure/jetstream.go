package backpressure

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// JetStreamConfig describes the stream and the durable pull consumer of a
// JetStreamQueue.
type JetStreamConfig struct {
	Stream  string // stream name
	Subject string // the one subject the stream captures
	Durable string // durable consumer name
	// Capacity is B, the stream's MaxMsgs. With DiscardNew a full stream
	// refuses a publish, and Offer waits and retries: the producer is pushed
	// back across the network.
	Capacity int
	// Window is W, the consumer's MaxAckPending: at most W messages are
	// delivered and not yet acknowledged. The client pulls W at a time.
	Window int
	// AckWait is how long the server waits for an ack before redelivering.
	AckWait time.Duration
	// Storage is where the stream keeps messages (file by default).
	Storage jetstream.StorageType
	// DedupWindow is how long the stream remembers a Nats-Msg-Id to drop a
	// republished message; the server's default (2 min) when zero. The
	// server keeps one entry per message published in the window: memory
	// that grows with the publish rate, not with B.
	DedupWindow time.Duration
	// Restarted, when set, is called when a consumer instance crashed and the
	// next one takes over the durable consumer.
	Restarted func(crashed, next int)
}

// Retry pacing of a producer pushed back by a full stream.
const (
	minPushback = 500 * time.Microsecond
	maxPushback = 20 * time.Millisecond
)

// ackPendingInterval is how often Serve asks the server how many messages
// are delivered and unacknowledged.
const ackPendingInterval = 10 * time.Millisecond

// JetStreamQueue is credit-based flow control with NATS JetStream. The
// producer publishes into a work-queue stream of at most B messages; the
// consumer is a durable pull consumer with MaxAckPending W, served by one
// Worker at a time. When a Worker crashes, Serve starts the next one on the
// same durable consumer and the server redelivers what the dead one held.
// A shared Inbox makes the redeliveries harmless.
type JetStreamQueue struct {
	js    jetstream.JetStream
	cfg   JetStreamConfig
	cons  jetstream.Consumer
	inbox *Inbox

	closed  atomic.Bool
	wake    chan struct{} // capacity 1
	stats   jetStreamCounters
	peakAck atomic.Int64
}

type jetStreamCounters struct {
	accepted, applied, pushbacks, redelivered, skipped, malformed, ackErrors, restarts, pullResets, abandoned atomic.Int64
}

// JetStreamStats are the queue's own counters after a run.
type JetStreamStats struct {
	Accepted    int64 // publishes the stream acknowledged
	Applied     int64 // messages handled for the first time
	Pushbacks   int64 // publishes refused because the stream was full
	Redelivered int64 // deliveries with a delivery count above 1
	Skipped     int64 // redeliveries of applied messages, acked unhandled
	Malformed   int64 // payloads without an ID, terminated
	AckErrors   int64 // double acks that failed (the inbox absorbs the redelivery)
	Restarts    int64 // consumer instances started after a crash
	PullResets  int64 // pull requests renewed after missed heartbeats
	Abandoned   int64 // messages a crashed instance held unhandled, unacked
	// PeakAckPending is the highest count of delivered, unacknowledged
	// messages the server reported: at most Window.
	PeakAckPending int64
}

// NewJetStreamQueue creates the stream and the durable consumer, replacing a
// stream of the same name: a run starts empty. Delete removes them.
func NewJetStreamQueue(ctx context.Context, js jetstream.JetStream, cfg JetStreamConfig) (*JetStreamQueue, error) {
	if cfg.Capacity < 1 || cfg.Window < 1 {
		return nil, fmt.Errorf("jetstream queue %s: capacity %d and window %d must be at least 1", cfg.Stream, cfg.Capacity, cfg.Window)
	}
	if err := js.DeleteStream(ctx, cfg.Stream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, fmt.Errorf("delete old stream %s: %w", cfg.Stream, err)
	}
	stream, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name:       cfg.Stream,
		Subjects:   []string{cfg.Subject},
		Retention:  jetstream.WorkQueuePolicy, // an acked message leaves the stream
		MaxMsgs:    int64(cfg.Capacity),
		Discard:    jetstream.DiscardNew, // full: refuse the publish, keep what is queued
		Storage:    cfg.Storage,
		Replicas:   1,
		Duplicates: cfg.DedupWindow,
	})
	if err != nil {
		return nil, fmt.Errorf("create stream %s: %w", cfg.Stream, err)
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       cfg.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxAckPending: cfg.Window,
		MaxDeliver:    -1,
	})
	if err != nil {
		return nil, fmt.Errorf("create consumer %s on %s: %w", cfg.Durable, cfg.Stream, err)
	}
	return &JetStreamQueue{
		js: js, cfg: cfg, cons: cons,
		inbox: NewInbox(0),
		wake:  make(chan struct{}, 1),
	}, nil
}

// Delete removes the stream and its consumer.
func (q *JetStreamQueue) Delete(ctx context.Context) error {
	if err := q.js.DeleteStream(ctx, q.cfg.Stream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("delete stream %s: %w", q.cfg.Stream, err)
	}
	return nil
}

// Name implements Strategy.
func (*JetStreamQueue) Name() string { return "jetstream-pull" }

// Capacity implements Strategy: the stream's MaxMsgs.
func (q *JetStreamQueue) Capacity() int { return q.cfg.Capacity }

// Config returns the queue's configuration.
func (q *JetStreamQueue) Config() JetStreamConfig { return q.cfg }

// Offer publishes m with its ID as Nats-Msg-Id (a retried publish is stored
// once). While the stream is full it waits, doubling the wait up to
// maxPushback, and publishes again.
func (q *JetStreamQueue) Offer(ctx context.Context, m Message) error {
	wait := minPushback
	for {
		_, err := q.js.Publish(ctx, q.cfg.Subject, m.Payload, jetstream.WithMsgID(strconv.FormatUint(m.ID, 10)))
		if err == nil {
			q.stats.accepted.Add(1)
			q.signal()
			return nil
		}
		if !IsStreamFull(err) {
			return fmt.Errorf("publish message %d: %w", m.ID, err)
		}
		q.stats.pushbacks.Add(1)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		wait = min(2*wait, maxPushback)
	}
}

// IsStreamFull reports whether err is a stream refusing a publish because a
// DiscardNew limit (messages or bytes) was reached.
func IsStreamFull(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.Description {
	case "maximum messages exceeded", "maximum bytes exceeded":
		return true
	}
	return false
}

// Close implements Strategy.
func (q *JetStreamQueue) Close() {
	q.closed.Store(true)
	q.signal()
}

func (q *JetStreamQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Depth implements Strategy: published and not yet handled. A message
// counts as handled before its ack frees its place in the stream, so Depth
// never exceeds the stream's own count, which DiscardNew keeps at or under B.
func (q *JetStreamQueue) Depth() int {
	return int(q.stats.accepted.Load() - q.stats.applied.Load())
}

func (q *JetStreamQueue) drained() bool {
	return q.closed.Load() && q.stats.applied.Load() >= q.stats.accepted.Load()
}

// Serve runs consumer instances one after the other until every accepted
// message was handled: when one crashes (its handler returned
// ErrConsumerCrashed) the next takes over the durable consumer.
func (q *JetStreamQueue) Serve(ctx context.Context, handle Handler) error {
	var watchers sync.WaitGroup
	serveCtx, stopWatching := context.WithCancel(ctx)
	defer func() { stopWatching(); watchers.Wait() }()
	watchers.Go(func() { q.watchAckPending(serveCtx) })

	for instance := 1; ; instance++ {
		err := q.runInstance(ctx, handle)
		switch {
		case errors.Is(err, ErrConsumerCrashed):
			q.stats.restarts.Add(1)
			if q.cfg.Restarted != nil {
				q.cfg.Restarted(instance, instance+1)
			}
		case err != nil:
			return fmt.Errorf("consumer instance %d: %w", instance, err)
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			return nil
		}
	}
}

// runInstance runs one Worker until the queue is drained, ctx ends or the
// worker dies.
func (q *JetStreamQueue) runInstance(ctx context.Context, handle Handler) error {
	wctx, stop := context.WithCancel(ctx)
	watcher := make(chan struct{})
	go func() {
		defer close(watcher)
		defer stop()
		for !q.drained() {
			select {
			case <-q.wake:
			case <-wctx.Done():
				return
			}
		}
	}()
	w := &Worker{
		Consumer: q.cons,
		Window:   q.cfg.Window,
		Handle:   handle,
		Inbox:    q.inbox,
		Observe:  q.observe,
	}
	err := w.Run(wctx)
	stop()
	<-watcher
	return err
}

func (q *JetStreamQueue) observe(e WorkerEvent) {
	switch e.Kind {
	case Applied:
		q.stats.applied.Add(1)
		q.signal()
	case Skipped:
		q.stats.skipped.Add(1)
	case Malformed:
		q.stats.malformed.Add(1)
	case AckFailed:
		q.stats.ackErrors.Add(1)
		return
	case PullReset:
		q.stats.pullResets.Add(1)
		return
	case Abandoned:
		q.stats.abandoned.Add(1)
		return
	}
	if e.Delivery > 1 {
		q.stats.redelivered.Add(1)
	}
}

// watchAckPending polls the server for the consumer's delivered-unacked
// count and keeps its peak: the credit window as the server enforces it.
func (q *JetStreamQueue) watchAckPending(ctx context.Context) {
	t := time.NewTicker(ackPendingInterval)
	defer t.Stop()
	for {
		if info, err := q.cons.Info(ctx); err == nil {
			if n := int64(info.NumAckPending); n > q.peakAck.Load() {
				q.peakAck.Store(n)
			}
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// Stats returns the queue's counters.
func (q *JetStreamQueue) Stats() JetStreamStats {
	s := &q.stats
	return JetStreamStats{
		Accepted: s.accepted.Load(), Applied: s.applied.Load(), Pushbacks: s.pushbacks.Load(),
		Redelivered: s.redelivered.Load(), Skipped: s.skipped.Load(), Malformed: s.malformed.Load(),
		AckErrors: s.ackErrors.Load(), Restarts: s.restarts.Load(), PullResets: s.pullResets.Load(), Abandoned: s.abandoned.Load(),
		PeakAckPending: q.peakAck.Load(),
	}
}
