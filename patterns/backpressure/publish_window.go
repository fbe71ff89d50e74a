package backpressure

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// publishWindow is the asynchronous producer of a JetStreamQueue
// (JetStreamConfig.PublishWindow = P): at most P publishes in flight, sent
// without waiting for their acks. It is backpressure of its own, one hop
// earlier than the stream's limit: Offer takes one of P slots and blocks
// while all are taken, and a slot comes back only when the server has
// stored that message (or said it already had it: a duplicate of its
// Nats-Msg-Id). A publish the server refused (the stream is full), or whose
// ack did not come (a timeout, a dropped connection, a restarted server), is
// published again with the same message ID, keeping its slot: the stream's
// dedupe window makes the retry harmless if the first copy was stored, and
// nothing offered is dropped on the way.
//
// Acks are confirmed in the order the messages were offered, by one
// goroutine (confirm). nats.go's own window (WithPublishAsyncMaxPending) is
// set to P as well, on a JetStream context of the queue's own with an ack
// timeout; the slots are the bound, because nats.go frees its slot when the
// server answers, also with a refusal.
type publishWindow struct {
	js      jetstream.JetStream // the queue's own context: ack timeout, max pending P
	slots   chan struct{}       // one token per publish in flight
	pending chan inFlight       // offered, not yet confirmed, in order
	settled chan struct{}       // closed when confirm has returned
	stop    chan struct{}       // closed by abort: the queue is deleted
	start   sync.Once
	aborted sync.Once
	failed  atomic.Pointer[error] // why confirm gave up (ctx ended)

	confirmed func()          // one message stored
	refused   func()          // the stream was full: the publish is retried
	retried   func(err error) // no ack (timeout, disconnect): the publish is retried
	// retry, when false, drops a publish that failed instead of sending it
	// again: only for the test that shows what the retry prevents.
	retry bool
}

// inFlight is one message published asynchronously, awaiting its ack.
type inFlight struct {
	msg *nats.Msg
	ack jetstream.PubAckFuture
	err error // PublishMsgAsync itself failed: publish again
}

// publishAckTimeout is how long an asynchronous publish waits for its ack
// before it counts as failed and is sent again.
const publishAckTimeout = 2 * time.Second

func newPublishWindow(js jetstream.JetStream, size int) (*publishWindow, error) {
	own, err := jetstream.New(js.Conn(),
		jetstream.WithPublishAsyncMaxPending(size),
		jetstream.WithPublishAsyncTimeout(publishAckTimeout))
	if err != nil {
		return nil, fmt.Errorf("publish window: %w", err)
	}
	return &publishWindow{
		js:      own,
		slots:   make(chan struct{}, size),
		pending: make(chan inFlight, size),
		settled: make(chan struct{}),
		stop:    make(chan struct{}),
		retry:   true,
	}, nil
}

// offer publishes m asynchronously once a slot is free. full is called when
// Offer has to wait for one: the producer is pushed back.
func (w *publishWindow) offer(ctx context.Context, subject string, m Message, full func()) error {
	w.start.Do(func() { go w.confirm() })
	if err := w.err(); err != nil {
		return err
	}
	select {
	case w.slots <- struct{}{}:
	default:
		full()
		select {
		case w.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	msg := &nats.Msg{Subject: subject, Data: m.Payload, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, strconv.FormatUint(m.ID, 10))
	ack, err := w.js.PublishMsgAsync(msg)
	w.pending <- inFlight{msg: msg, ack: ack, err: err}
	return nil
}

// close says nothing more will be offered; confirm returns once every
// message offered so far is stored.
func (w *publishWindow) close() {
	w.start.Do(func() { close(w.settled) }) // never offered: nothing to confirm
	close(w.pending)
}

// abort stops the retries: the queue is being deleted. What is still
// unconfirmed is reported by err, not dropped unseen.
func (w *publishWindow) abort() { w.aborted.Do(func() { close(w.stop) }) }

// inFlightCount is how many offered messages are not confirmed stored yet.
func (w *publishWindow) inFlightCount() int { return len(w.slots) }

// err is why the window gave up, or nil.
func (w *publishWindow) err() error {
	if p := w.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// isSettled reports whether every offered message is confirmed stored (or
// the window gave up: err says why).
func (w *publishWindow) isSettled() bool {
	select {
	case <-w.settled:
		return true
	default:
		return false
	}
}

// wait blocks until the window is settled or ctx ends.
func (w *publishWindow) wait(ctx context.Context) error {
	select {
	case <-w.settled:
		return w.err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// confirm waits for each ack in turn, frees its slot once the message is
// stored, and publishes again what failed, until pending is closed and
// drained. Retries go on as long as it takes (a restarting server), until
// abort: then it gives up, and err says what was left unconfirmed.
func (w *publishWindow) confirm() {
	defer close(w.settled)
	for {
		var f inFlight
		select {
		case next, open := <-w.pending:
			if !open {
				return
			}
			f = next
		case <-w.stop: // deleted, maybe never closed: nothing is confirmed now
			if n := len(w.pending); n > 0 {
				err := fmt.Errorf("%d publishes unconfirmed: the queue was deleted", n)
				w.failed.CompareAndSwap(nil, &err)
			}
			return
		}
		if err := w.settle(f); err != nil {
			w.failed.CompareAndSwap(nil, &err) // what the producer offers now fails
			return
		}
		<-w.slots
	}
}

// settle waits until f is stored, publishing it again after each failure,
// the wait doubling from minPushback to maxPushback.
func (w *publishWindow) settle(f inFlight) error {
	wait := minPushback
	for {
		err := f.err
		if err == nil {
			select {
			case <-f.ack.Ok():
				w.confirmed()
				return nil
			case err = <-f.ack.Err():
			case <-w.stop:
				return fmt.Errorf("publish message %s: the queue was deleted before its ack came", f.msg.Header.Get(jetstream.MsgIDHeader))
			}
		}
		if !w.retry {
			return nil // the test's broken producer: the message is gone
		}
		if IsStreamFull(err) {
			w.refused()
		} else {
			w.retried(err)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-w.stop:
			t.Stop()
			return fmt.Errorf("publish message %s: the queue was deleted while the publish was retried: %w", f.msg.Header.Get(jetstream.MsgIDHeader), err)
		}
		wait = min(2*wait, maxPushback)
		f.ack, f.err = w.js.PublishMsgAsync(f.msg)
	}
}
