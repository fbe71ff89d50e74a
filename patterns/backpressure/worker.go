package backpressure

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Worker is one consumer instance on a durable JetStream pull consumer. It
// asks the server for at most Window messages at a time; the server itself
// never lets more than the consumer's MaxAckPending be delivered and
// unacknowledged. Together they are the credit window: the consumer, not the
// producer, decides how much is in flight.
//
// Each message is handled, recorded in the Inbox, then acknowledged. A message whose handler fails is not
// acknowledged, so the server redelivers it after AckWait.
type Worker struct {
	Consumer jetstream.Consumer
	// Window is how many messages the client pulls at once (PullMaxMessages).
	Window int
	Handle Handler
	// Inbox, when set, skips messages already applied (acking them): the
	// idempotent receiver. Nil means at-least-once, duplicates reach Handle.
	Inbox *Inbox
	// Observe, when set, is told about each message's fate.
	Observe func(WorkerEvent)
}

// WorkerEvent is what happened to one delivered message.
type WorkerEvent struct {
	Kind     WorkerEventKind
	ID       uint64
	Delivery int
	Err      error
}

// WorkerEventKind classifies a WorkerEvent.
type WorkerEventKind int

// Kinds of WorkerEvent.
const (
	// Applied: handled for the first time; the ack follows.
	Applied WorkerEventKind = iota
	// Skipped: already applied, acknowledged without calling Handle.
	Skipped
	// AckFailed: the ack of an applied or skipped message could not be sent
	// (Err); the server will redeliver it and the inbox will skip it.
	AckFailed
	// Malformed: the payload does not carry an ID; terminated (never
	// redelivered) with the reason.
	Malformed
	// Abandoned: delivered to an instance that had already died; it is
	// neither handled nor acked, and the server redelivers it after AckWait.
	Abandoned
	// PullReset: the client lost track of its pull requests (no heartbeat
	// from the server within 2 × the pull heartbeat) and pulled again.
	PullReset
)

// pullExpiry bounds each pull request. While a request waits, the server
// sends a heartbeat every half of it, and the client pulls again after two
// missed heartbeats: a pull request lost for any reason stalls the worker
// for about this long (with nats.go's default expiry, 30 s).
const pullExpiry = 5 * time.Second

// Run consumes until ctx ends (it returns nil) or Handle fails (it returns
// that error, ErrConsumerCrashed for an injected crash). In both cases it
// stops pulling and acknowledges nothing more: messages it held come back to
// the next instance after AckWait.
func (w *Worker) Run(ctx context.Context) error {
	fail := make(chan error, 1)
	var (
		mu   sync.Mutex // held while a message is handled
		dead bool
	)
	die := func(err error) {
		if !dead {
			dead = true
			fail <- err
		}
	}
	cc, err := w.Consumer.Consume(func(msg jetstream.Msg) {
		mu.Lock()
		defer mu.Unlock()
		if dead {
			// a dead process handles nothing and acks nothing
			w.observe(WorkerEvent{Kind: Abandoned})
			return
		}
		if err := w.handle(ctx, msg); err != nil && ctx.Err() == nil {
			die(err)
		}
	},
		jetstream.PullMaxMessages(w.Window),
		jetstream.PullExpiry(pullExpiry),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if errors.Is(err, jetstream.ErrNoHeartbeat) {
				w.observe(WorkerEvent{Kind: PullReset, Err: err})
			}
			if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) {
				mu.Lock()
				defer mu.Unlock()
				die(fmt.Errorf("pull consumer gone: %w", err))
			}
		}))
	if err != nil {
		return fmt.Errorf("consume: %w", err)
	}
	var result error
	select {
	case <-ctx.Done():
	case result = <-fail:
	}
	cc.Stop()
	<-cc.Closed()
	mu.Lock()
	dead = true
	mu.Unlock()
	return result
}

func (w *Worker) handle(ctx context.Context, msg jetstream.Msg) error {
	delivery := 1
	if meta, err := msg.Metadata(); err == nil {
		delivery = int(meta.NumDelivered)
	}
	id, err := DecodeID(msg.Data())
	if err != nil {
		w.observe(WorkerEvent{Kind: Malformed, Delivery: delivery, Err: err})
		if termErr := msg.TermWithReason(err.Error()); termErr != nil {
			return fmt.Errorf("terminate malformed message: %w", termErr)
		}
		return nil
	}
	if w.Inbox != nil && w.Inbox.Applied(id) {
		w.observe(WorkerEvent{Kind: Skipped, ID: id, Delivery: delivery})
		w.ack(msg, id, delivery)
		return nil
	}
	if err := w.Handle(ctx, Message{ID: id, Payload: msg.Data(), Delivery: delivery}); err != nil {
		return err
	}
	if w.Inbox != nil {
		w.Inbox.Mark(id)
	}
	w.observe(WorkerEvent{Kind: Applied, ID: id, Delivery: delivery})
	w.ack(msg, id, delivery)
	return nil
}

// ack acknowledges msg. A plain ack is a publish without a reply: it costs
// the consumer no round trip. If it is lost, the server redelivers after
// AckWait and the inbox skips the copy.
func (w *Worker) ack(msg jetstream.Msg, id uint64, delivery int) {
	if err := msg.Ack(); err != nil {
		w.observe(WorkerEvent{Kind: AckFailed, ID: id, Delivery: delivery, Err: err})
	}
}

func (w *Worker) observe(e WorkerEvent) {
	if w.Observe != nil {
		w.Observe(e)
	}
}
