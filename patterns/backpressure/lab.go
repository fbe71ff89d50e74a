package backpressure

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
)

// What the demo shows in `make lab` beyond its text story; all of it exists
// only in JSON mode, so the text narration is unchanged:
//   - a message event for a sample of the deliveries (about 40 an act) and
//     for every redelivery, from the queue to the consumer;
//   - the queue depth and the heap in use, sampled every 100ms;
//   - in the crash act, faults on demand: crash-consumer and stall-consumer.

// seriesInterval is how often the lab's charts get a point.
const seriesInterval = 100 * time.Millisecond

// traceEvery is how many message IDs lie between two traced deliveries.
func traceEvery(messages int) uint64 { return uint64(max(1, messages/40)) }

// traced wraps the consumer's handler with message events: from is the
// queue, consumer names the consumer instance handling it now.
func traced(n *narrate.Narrator, from string, consumer func() string, every uint64) func(Handler) Handler {
	return func(next Handler) Handler {
		if !n.JSONMode() {
			return next
		}
		return func(ctx context.Context, m Message) error {
			switch {
			case m.Delivery > 1:
				n.Message(from, consumer(), "redelivery", fmt.Sprintf("#%d", m.ID))
			case m.ID%every == 0:
				n.Message(from, consumer(), "deliver", fmt.Sprintf("#%d", m.ID))
			}
			return next(ctx, m)
		}
	}
}

// chain applies wrappers to a handler, the first one outermost.
func chain(wrappers ...func(Handler) Handler) func(Handler) Handler {
	return func(h Handler) Handler {
		for i := len(wrappers) - 1; i >= 0; i-- {
			if wrappers[i] != nil {
				h = wrappers[i](h)
			}
		}
		return h
	}
}

// sampleSeries samples the strategy's queue depth and the heap in use until
// the returned stop is called (JSON mode only).
func sampleSeries(n *narrate.Narrator, s Strategy) (stop func()) {
	if !n.JSONMode() {
		return func() {}
	}
	done, quit := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(seriesInterval)
		defer t.Stop()
		for {
			n.Sample("queue depth", float64(s.Depth()), "msgs")
			n.Sample("heap in use", float64(ReadHeap().Objects)/(1<<20), "MiB")
			select {
			case <-t.C:
			case <-quit:
				return
			}
		}
	}()
	return func() { close(quit); <-done }
}

// onDemand holds the faults the learner asked for while the crash act runs
// (the lab's fault buttons): the consumer crashes, or stalls, on the next
// message it is handed.
type onDemand struct {
	stall   time.Duration
	mu      sync.Mutex
	crashes int // asked for, not yet done
	stalls  int
	done    atomic.Int64 // requested crashes that happened
}

// offer offers the faults; the returned withdraw ends the offer and tells
// about requests the act ended before.
func (o *onDemand) offer(n *narrate.Narrator) (withdraw func()) {
	n.Offer("crash-consumer", "consumer", "the consumer crashes on the next message it is handed: not processed, nothing it pulled is acked", func() error {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.crashes++
		return nil
	})
	n.Offer("stall-consumer", "consumer", fmt.Sprintf("the consumer stops for %s on the next message, past AckWait: what it holds is redelivered", o.stall), func() error {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.stalls++
		return nil
	})
	return func() {
		n.Withdraw("crash-consumer")
		n.Withdraw("stall-consumer")
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.crashes+o.stalls > 0 {
			n.Step("consumer", "%d requested fault(s) came too late: every message was handed out already", o.crashes+o.stalls)
		}
	}
}

func (o *onDemand) take() (crash, stall bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case o.crashes > 0:
		o.crashes--
		return true, false
	case o.stalls > 0:
		o.stalls--
		return false, true
	}
	return false, false
}

// wrap injects the requested faults into the consumer's handler.
func (o *onDemand) wrap(n *narrate.Narrator, consumer func() string) func(Handler) Handler {
	return func(next Handler) Handler {
		return func(ctx context.Context, m Message) error {
			crash, stall := o.take()
			if crash {
				o.done.Add(1)
				n.Fault(consumer(), "crashes on message %d (requested): it is not processed, and nothing it pulled is acked", m.ID)
				return ErrConsumerCrashed
			}
			if stall {
				n.Fault(consumer(), "stalls for %s holding message %d (requested)", o.stall, m.ID)
				t := time.NewTimer(o.stall)
				defer t.Stop()
				select {
				case <-t.C:
				case <-ctx.Done():
					return ctx.Err()
				}
				n.Step(consumer(), "back after the stall, with message %d", m.ID)
			}
			return next(ctx, m)
		}
	}
}
