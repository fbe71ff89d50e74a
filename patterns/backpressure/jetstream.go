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
	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/kit/deadletter"
)

// JetStreamConfig describes the stream and the durable pull consumer of a
// JetStreamQueue.
type JetStreamConfig struct {
	Stream  string // stream name; the queue creates it and refuses one that exists
	Subject string // the one subject the stream captures
	Durable string // durable consumer name
	// Capacity is B, the stream's MaxMsgs. With DiscardNew a full stream
	// refuses a publish, and Offer waits and retries: the producer is pushed
	// back across the network.
	Capacity int
	// Window is W, the consumer's credit window (see CreditWindow): at most
	// W messages are delivered and not yet acknowledged.
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
	// PublishWindow is P, the asynchronous producer's window: with P > 0
	// Offer publishes without waiting for the ack, at most P publishes in
	// flight, and blocks while all P are unconfirmed (see publishWindow). 0:
	// each Offer is one synchronous publish, one round trip. The bound on
	// accepted and unprocessed messages is then B + P: P on their way to the
	// stream, B in it.
	PublishWindow int
	// PollInterval is how often Serve asks the server what the stream
	// stores and what the consumer holds unacknowledged (the peaks the demo
	// checks, and the end of the work); serverPollInterval when zero. Each
	// poll is two JetStream API requests the server answers while it
	// delivers: the benchmarks measure what they cost the consumer.
	PollInterval time.Duration
	// Consumers is how many instances Serve runs at once on the durable
	// consumer, competing for its messages (1 when zero): the server hands
	// each pulled message to one of them, and MaxAckPending (W) bounds what
	// all of them hold together. Each restarts on its own after a crash.
	// With N > 1 Serve calls its handler from N goroutines at once, not one
	// message at a time as Strategy says: the handler must be safe for
	// concurrent use (Run's consumer is: the ledger counts atomically), and
	// the inbox's check-then-mark no longer covers a redelivered copy handled
	// while the first is still in another instance's hands. The demo and
	// every other run keep one.
	Consumers int
	// DeadLetters receives what the workers cannot decode or handle.
	// Required.
	DeadLetters *deadletter.Queue
	// Restarted, when set, is called when a consumer instance crashed and the
	// next one takes over the durable consumer.
	Restarted func(crashed, next int)

	// The safeguards, turned off to show what each one prevents (the demo's
	// switches). WithoutStreamLimit (-stream-limit=false): no MaxMsgs, the
	// stream takes every publish and the producer is never pushed back.
	// WithoutCreditWindow (-credit-window=false): no MaxAckPending, and the
	// client pulls Capacity messages at a time.
	WithoutStreamLimit  bool
	WithoutCreditWindow bool
}

// Retry pacing of a producer pushed back by a full stream.
const (
	minPushback = 500 * time.Microsecond
	maxPushback = 20 * time.Millisecond
)

// serverPollInterval is how often Serve asks the server what the stream
// stores and how many messages are delivered and unacknowledged.
const serverPollInterval = 10 * time.Millisecond

// apiTimeout bounds one request of a poll: a reply lost with a dropped
// connection must not stop the poll, which asks again at its next tick.
const apiTimeout = 5 * time.Second

// ErrStreamExists is returned by NewJetStreamQueue for a stream name in use:
// on a shared server the queue never deletes or reconfigures a stream it did
// not create.
var ErrStreamExists = errors.New("stream already exists")

// JetStreamQueue is credit-based flow control with NATS JetStream. The
// producer publishes into a work-queue stream of at most B messages; the
// consumer is a durable pull consumer with a credit window of W, served by
// one Worker at a time (JetStreamConfig.Consumers at once, for the
// competing-consumers benchmark). When a Worker crashes, Serve starts the next one on
// the same durable consumer and the server redelivers what the dead one
// held. The receiver's inbox (Workload.Inbox) makes redeliveries harmless.
type JetStreamQueue struct {
	js     jetstream.JetStream
	cfg    JetStreamConfig
	stream jetstream.Stream
	cons   jetstream.Consumer

	closed     atomic.Bool
	stats      jetStreamCounters
	pushedBack func()         // see pushbacker
	window     *publishWindow // nil: synchronous publishes
}

type jetStreamCounters struct {
	accepted, handled, pushbacks, redelivered, deadLettered, deadLetterFailures,
	ackErrors, restarts, pullResets, abandoned, windowFull, republished atomic.Int64
	peakStored, peakAckPending, heldAtCrash, leftInStream atomic.Int64
}

// JetStreamStats are a run's counters: the queue's own, and the peaks the
// server reported.
type JetStreamStats struct {
	Accepted           int64 // publishes the stream acknowledged
	Handled            int64 // deliveries the handler took (redeliveries included)
	Pushbacks          int64 // publishes refused because the stream was full
	Redelivered        int64 // deliveries with a delivery count above 1
	DeadLettered       int64 // malformed or foreign messages sent to the dead letters
	DeadLetterFailures int64 // dead letters that could not be stored (redelivered)
	AckErrors          int64 // acks that could not be sent
	Restarts           int64 // consumer instances started after a crash
	PullResets         int64 // pull requests renewed after missed heartbeats
	Abandoned          int64 // messages a crashed instance held unhandled, unacked
	WindowFull         int64 // Offers that waited for a slot of the publish window
	Republished        int64 // asynchronous publishes sent again after a timeout or a lost connection
	// PeakStored is the most messages the server said the stream held, and
	// PeakAckPending the most it said were delivered and unacknowledged,
	// polled every few milliseconds while Serve runs.
	PeakStored     int64
	PeakAckPending int64
	// HeldAtCrash is what the server counted as delivered and unacknowledged
	// right after the last crash: what the dead instance held (with several
	// Consumers, what all of them held).
	HeldAtCrash int64
	// LeftInStream is what the stream still said it held when Serve found
	// the consumer drained: messages the consumer had acknowledged and the
	// stream had not removed yet (a work queue removes them asynchronously),
	// or, after a server restart, never removes (see watchServer).
	LeftInStream int64
}

// NewJetStreamQueue creates the stream and its durable consumer. It refuses
// a stream name that exists (ErrStreamExists): a run starts on a stream of
// its own. Delete removes what it created.
func NewJetStreamQueue(ctx context.Context, js jetstream.JetStream, cfg JetStreamConfig) (*JetStreamQueue, error) {
	if cfg.Capacity < 1 || cfg.Window < 1 || cfg.PublishWindow < 0 || cfg.Consumers < 0 {
		return nil, fmt.Errorf("jetstream queue %s: capacity %d and window %d must be at least 1, publish window %d and consumers %d at least 0",
			cfg.Stream, cfg.Capacity, cfg.Window, cfg.PublishWindow, cfg.Consumers)
	}
	if cfg.DeadLetters == nil {
		return nil, fmt.Errorf("jetstream queue %s: %w", cfg.Stream, ErrNoDeadLetters)
	}
	switch _, err := js.Stream(ctx, cfg.Stream); {
	case err == nil:
		return nil, fmt.Errorf("%w: %s (the queue creates a stream of its own; name it uniquely on a shared server)", ErrStreamExists, cfg.Stream)
	case !errors.Is(err, jetstream.ErrStreamNotFound):
		return nil, fmt.Errorf("look up stream %s: %w", cfg.Stream, err)
	}
	sc := jetstream.StreamConfig{
		Name:       cfg.Stream,
		Subjects:   []string{cfg.Subject},
		Retention:  jetstream.WorkQueuePolicy, // an acked message leaves the stream
		MaxMsgs:    int64(cfg.Capacity),
		Discard:    jetstream.DiscardNew, // full: refuse the publish, keep what is queued
		Storage:    cfg.Storage,
		Replicas:   1,
		Duplicates: cfg.DedupWindow,
	}
	if cfg.WithoutStreamLimit {
		sc.MaxMsgs = -1
	}
	stream, err := js.CreateStream(ctx, sc)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return nil, fmt.Errorf("%w: %s", ErrStreamExists, cfg.Stream)
	}
	if err != nil {
		return nil, fmt.Errorf("create stream %s: %w", cfg.Stream, err)
	}
	q := &JetStreamQueue{js: js, cfg: cfg, stream: stream}
	if cfg.PublishWindow > 0 {
		if q.window, err = newPublishWindow(js, cfg.PublishWindow); err != nil {
			return nil, errors.Join(err, q.Delete(context.WithoutCancel(ctx)))
		}
		q.window.confirmed = func() { q.stats.accepted.Add(1) }
		q.window.refused = q.pushback
		q.window.retried = func(error) { q.stats.republished.Add(1) }
	}
	window := CreditWindow{Durable: cfg.Durable, Messages: cfg.Window, AckWait: cfg.AckWait}
	cc := window.ConsumerConfig()
	if cfg.WithoutCreditWindow {
		cc.MaxAckPending = -1
	}
	if q.cons, err = window.create(ctx, stream, cc); err != nil {
		return nil, errors.Join(err, q.Delete(context.WithoutCancel(ctx)))
	}
	return q, nil
}

// Delete removes the stream the queue created, and its consumer.
func (q *JetStreamQueue) Delete(ctx context.Context) error {
	if q.window != nil {
		q.window.abort()
	}
	if err := q.js.DeleteStream(ctx, q.cfg.Stream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("delete stream %s: %w", q.cfg.Stream, err)
	}
	return nil
}

// Name implements Strategy.
func (*JetStreamQueue) Name() string { return "jetstream-pull" }

// Capacity implements Strategy: the stream's MaxMsgs as configured, plus
// the publish window, whose messages are accepted and not yet stored.
func (q *JetStreamQueue) Capacity() int { return q.cfg.Capacity + q.cfg.PublishWindow }

// Config returns the queue's configuration.
func (q *JetStreamQueue) Config() JetStreamConfig { return q.cfg }

// Consumer is the queue's durable pull consumer.
func (q *JetStreamQueue) Consumer() jetstream.Consumer { return q.cons }

// Offer publishes m with its ID as Nats-Msg-Id (a retried publish is stored
// once). Synchronously (PublishWindow 0): while the stream is full it waits,
// doubling the wait up to maxPushback, and publishes again. Asynchronously:
// it waits for a slot of the publish window, publishes and returns; the
// window retries what the server refused or did not acknowledge.
func (q *JetStreamQueue) Offer(ctx context.Context, m Message) error {
	if q.window != nil {
		return q.window.offer(ctx, q.cfg.Subject, m, q.windowFull)
	}
	wait := minPushback
	for {
		_, err := q.js.Publish(ctx, q.cfg.Subject, m.Payload, jetstream.WithMsgID(strconv.FormatUint(m.ID, 10)))
		if err == nil {
			q.stats.accepted.Add(1)
			return nil
		}
		if !IsStreamFull(err) {
			return fmt.Errorf("publish message %d: %w", m.ID, err)
		}
		q.pushback()
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

// pushback counts a publish the full stream refused.
func (q *JetStreamQueue) pushback() {
	q.stats.pushbacks.Add(1)
	if q.pushedBack != nil {
		q.pushedBack()
	}
}

// windowFull counts an Offer that waits for a slot of the publish window:
// the producer is pushed back before the stream is.
func (q *JetStreamQueue) windowFull() {
	q.stats.windowFull.Add(1)
	if q.pushedBack != nil {
		q.pushedBack()
	}
}

func (q *JetStreamQueue) onPushback(notify func()) { q.pushedBack = notify }

// Settle waits until every message offered so far is stored in the stream
// (with synchronous publishes, Offer's return says so already). It returns
// why the publish window gave up, if it did. Call it after Close.
func (q *JetStreamQueue) Settle(ctx context.Context) error {
	if q.window == nil {
		return nil
	}
	return q.window.wait(ctx)
}

// Delivered reports whether the server has made as many deliveries to the
// consumer as it may hold: MaxAckPending, or with no credit window every
// message published to the queue. Deliveries are counted, redeliveries
// included, because a client without a window that holds messages longer
// than AckWait gets them again, and holds each copy. A consumer stalled
// until then holds what its credit window let through.
func (q *JetStreamQueue) Delivered(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	info, err := q.cons.Info(ctx)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return false, nil // a lost reply: ask again
	}
	if err != nil {
		return false, err
	}
	target := q.stats.accepted.Load()
	if limit := int64(info.Config.MaxAckPending); limit > 0 {
		target = min(target, limit)
	}
	return int64(info.Delivered.Consumer) >= target, nil
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
	if q.closed.Swap(true) {
		return
	}
	if q.window != nil {
		q.window.close()
	}
}

// publishing reports whether publishes may still be on their way: the
// producer has not closed the queue, or the publish window has unconfirmed
// messages.
func (q *JetStreamQueue) publishing() bool {
	return !q.closed.Load() || q.window != nil && !q.window.isSettled()
}

// Depth implements Strategy: published and not yet handled, by the queue's
// own count (redeliveries make it an underestimate; Run measures the backlog
// from its ledger instead).
func (q *JetStreamQueue) Depth() int {
	inFlight := 0
	if q.window != nil {
		inFlight = q.window.inFlightCount()
	}
	return max(0, inFlight+int(q.stats.accepted.Load()-q.stats.handled.Load()))
}

// Serve runs consumer instances one after the other until the server says
// the work is done: the producer closed the queue and the consumer has
// every stored message delivered and acknowledged. When an instance crashes (its handler returned
// ErrConsumerCrashed) the next takes over the durable consumer. With
// Consumers N > 1, N such lines of instances run at once, competing for the
// durable consumer's messages; the first error of one stops all.
func (q *JetStreamQueue) Serve(ctx context.Context, handle Handler) error {
	drained := make(chan struct{})
	var watcher sync.WaitGroup
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer func() { stopWatching(); watcher.Wait() }()
	watcher.Go(func() { q.watchServer(watchCtx, drained) })

	var instances atomic.Int64 // instance numbers, over all lines
	g, gctx := errgroup.WithContext(ctx)
	for range max(1, q.cfg.Consumers) {
		g.Go(func() error { return q.serveLine(gctx, handle, drained, &instances) })
	}
	return g.Wait()
}

// serveLine runs one consumer instance at a time, the next after each crash.
func (q *JetStreamQueue) serveLine(ctx context.Context, handle Handler, drained <-chan struct{}, instances *atomic.Int64) error {
	for instance := int(instances.Add(1)); ; {
		err := q.runInstance(ctx, handle, drained)
		switch {
		case errors.Is(err, ErrConsumerCrashed):
			if info, err := q.cons.Info(ctx); err == nil {
				q.stats.heldAtCrash.Store(int64(info.NumAckPending))
			}
			q.stats.restarts.Add(1)
			next := int(instances.Add(1))
			if q.cfg.Restarted != nil {
				q.cfg.Restarted(instance, next)
			}
			instance = next
		case err != nil:
			return fmt.Errorf("consumer instance %d: %w", instance, err)
		case ctx.Err() != nil:
			return ctx.Err()
		case q.window != nil && q.window.err() != nil:
			return q.window.err()
		default:
			return nil
		}
	}
}

// runInstance runs one Worker until the queue is drained, ctx ends or the
// worker dies.
func (q *JetStreamQueue) runInstance(ctx context.Context, handle Handler, drained <-chan struct{}) error {
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		select {
		case <-drained:
			stop()
		case <-wctx.Done():
		}
	}()
	window := q.cfg.Window
	if q.cfg.WithoutCreditWindow {
		window = q.cfg.Capacity
	}
	w := &Worker{
		Consumer:    q.cons,
		Window:      window,
		Handle:      handle,
		DeadLetters: q.cfg.DeadLetters,
		Observe:     q.observe,
	}
	return w.Run(wctx)
}

func (q *JetStreamQueue) observe(e WorkerEvent) {
	switch e.Kind {
	case Handled:
		q.stats.handled.Add(1)
	case DeadLettered:
		q.stats.deadLettered.Add(1)
	case DeadLetterFailed:
		q.stats.deadLetterFailures.Add(1)
	case AckFailed:
		q.stats.ackErrors.Add(1)
	case PullReset:
		q.stats.pullResets.Add(1)
	case Abandoned:
		q.stats.abandoned.Add(1)
	}
	if (e.Kind == Handled || e.Kind == DeadLettered) && e.Delivery > 1 {
		q.stats.redelivered.Add(1)
	}
}

// watchServer polls the server for what the stream stores and what the
// consumer holds unacknowledged, keeping the peaks, and closes drained once
// a poll that began after Close finds the consumer drained: every stored
// message delivered (NumPending 0) and acknowledged (NumAckPending 0).
//
// Drained is the consumer's view, not the stream's. A work queue removes an
// acknowledged message asynchronously, so the stream's count lags the acks;
// and after a server restart in the middle of a burst the stream can keep a
// message below the consumer's ack floor that it never removes (measured
// here under load, about 1 run in 5 of TestPublishWindowRetriesAcrossAServerRestart:
// sequence 855 of 4,000 left in the stream, 3,145 deleted, the consumer
// delivered and acknowledged to 4,000; nats-server's tracker has reports of
// such orphans in work queues). Waiting for an empty stream then waited
// forever. Whether each message was processed exactly once is for the
// ledger to say, not for this condition; what the stream still held is kept
// as LeftInStream.
func (q *JetStreamQueue) watchServer(ctx context.Context, drained chan<- struct{}) {
	interval := q.cfg.PollInterval
	if interval <= 0 {
		interval = serverPollInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		closed := !q.publishing()
		rctx, cancel := context.WithTimeout(ctx, apiTimeout)
		si, serr := q.stream.Info(rctx)
		ci, cerr := q.cons.Info(rctx)
		cancel()
		if serr == nil {
			storeMax(&q.stats.peakStored, int64(si.State.Msgs))
		}
		if cerr == nil {
			storeMax(&q.stats.peakAckPending, int64(ci.NumAckPending))
		}
		if closed && serr == nil && cerr == nil && ci.NumPending == 0 && ci.NumAckPending == 0 {
			q.stats.leftInStream.Store(int64(si.State.Msgs))
			close(drained)
			return
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

func storeMax(a *atomic.Int64, v int64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// Stats returns the queue's counters.
func (q *JetStreamQueue) Stats() JetStreamStats {
	s := &q.stats
	return JetStreamStats{
		Accepted: s.accepted.Load(), Handled: s.handled.Load(), Pushbacks: s.pushbacks.Load(),
		Redelivered: s.redelivered.Load(), DeadLettered: s.deadLettered.Load(), DeadLetterFailures: s.deadLetterFailures.Load(),
		AckErrors: s.ackErrors.Load(), Restarts: s.restarts.Load(), PullResets: s.pullResets.Load(), Abandoned: s.abandoned.Load(),
		WindowFull: s.windowFull.Load(), Republished: s.republished.Load(),
		PeakStored: s.peakStored.Load(), PeakAckPending: s.peakAckPending.Load(), HeldAtCrash: s.heldAtCrash.Load(),
		LeftInStream: s.leftInStream.Load(),
	}
}
