package backpressure

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/deadletter"
)

// Worker is one consumer instance on a durable JetStream pull consumer. It
// asks the server for at most Window messages at a time; the server itself
// never lets more than the consumer's MaxAckPending be delivered and
// unacknowledged. Together they are the credit window: the consumer, not the
// producer, decides how much is in flight (see CreditWindow).
//
// Each message is decoded, handled, then acknowledged. A message that cannot
// be decoded, or whose handler says it is malformed (an error wrapping
// ErrMalformed), is stored in DeadLetters with the reason, its subject and
// headers, and only then acknowledged: nothing is dropped silently. Any other
// handler error kills the instance on the spot, acknowledging nothing more,
// so the server redelivers what it held after AckWait.
type Worker struct {
	Consumer jetstream.Consumer
	// Window is how many messages the client pulls at once (PullMaxMessages),
	// at most the consumer's MaxAckPending.
	Window int
	Handle Handler
	// Decode turns a delivered message into the Message Handle gets. Nil
	// means this module's format (DecodeID: the payload starts with its ID).
	// A Message without Delivery gets the server's delivery count.
	Decode func(jetstream.Msg) (Message, error)
	// DeadLetters is where malformed and foreign messages go. Required.
	DeadLetters *deadletter.Queue
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
	// Handled: Handle returned nil; the ack follows.
	Handled WorkerEventKind = iota
	// DeadLettered: malformed or foreign (Err says why); stored in the
	// dead-letter stream, then acknowledged.
	DeadLettered
	// DeadLetterFailed: the dead letter could not be stored (Err); the
	// message is not acknowledged, so the server delivers it again later.
	DeadLetterFailed
	// AckFailed: the ack could not be sent (Err); the server will redeliver
	// the message.
	AckFailed
	// Abandoned: delivered to an instance that had already died; it is
	// neither handled nor acked, and the server redelivers it after AckWait.
	Abandoned
	// PullReset: the client lost track of its pull requests (no heartbeat
	// from the server within 2 × the pull heartbeat) and pulled again.
	PullReset
)

// DeadLetterKind is the subject token of the dead letters a Worker sends
// (<dead-letter subject>.malformed).
const DeadLetterKind = "malformed"

// pullExpiry bounds each pull request. While a request waits, the server
// sends a heartbeat every half of it, and the client pulls again after two
// missed heartbeats: a pull request lost for any reason stalls the worker
// for about this long (with nats.go's default expiry, 30 s).
const pullExpiry = 5 * time.Second

// ErrNoDeadLetters is returned by Run for a Worker without DeadLetters: a
// consumer that can receive a foreign message must have somewhere to put it.
var ErrNoDeadLetters = errors.New("worker without a dead-letter queue")

// Run consumes until ctx ends (it returns nil) or Handle fails (it returns
// that error, ErrConsumerCrashed for an injected crash). In both cases it
// stops pulling and acknowledges nothing more: messages it held come back to
// the next instance after AckWait.
func (w *Worker) Run(ctx context.Context) error {
	if w.DeadLetters == nil {
		return ErrNoDeadLetters
	}
	if w.Window < 1 {
		return fmt.Errorf("worker window %d: must be at least 1", w.Window)
	}
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
	m, err := w.decode(msg)
	if err == nil {
		if m.Delivery == 0 {
			m.Delivery = delivery
		}
		if err = w.Handle(ctx, m); err == nil {
			w.observe(WorkerEvent{Kind: Handled, ID: m.ID, Delivery: m.Delivery})
			w.ack(msg, m.ID, m.Delivery)
			return nil
		}
	}
	if !errors.Is(err, ErrMalformed) {
		return err
	}
	if dlErr := w.DeadLetters.Send(ctx, DeadLetterKind, deadletter.FromJetStream(msg, err.Error())); dlErr != nil {
		w.observe(WorkerEvent{Kind: DeadLetterFailed, Delivery: delivery, Err: dlErr})
		return nil // not acked: it comes back, and is dead-lettered then
	}
	w.observe(WorkerEvent{Kind: DeadLettered, Delivery: delivery, Err: err})
	w.ack(msg, 0, delivery)
	return nil
}

func (w *Worker) decode(msg jetstream.Msg) (Message, error) {
	if w.Decode != nil {
		return w.Decode(msg)
	}
	id, err := DecodeID(msg.Data())
	if err != nil {
		return Message{}, err
	}
	return Message{ID: id, Payload: msg.Data()}, nil
}

// ack acknowledges msg. A plain ack is a publish without a reply: it costs
// the consumer no round trip. If it is lost, the server redelivers after
// AckWait and the receiver's inbox skips the copy.
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
