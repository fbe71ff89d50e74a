package backpressure

import (
	"context"
	"sync"
)

// BoundedChannel is a buffered Go channel of capacity B. A full channel
// blocks the producer in Offer until the consumer takes a message: the
// backlog waits upstream, in the producer, and memory stays bounded by B
// messages (plus the one the consumer is processing). Capacity 0 is the
// synchronous hand-off, a direct call.
type BoundedChannel struct {
	ch    chan Message
	close sync.Once
	// dropWhenFull is the -block=false switch: see NewDroppingChannel.
	dropWhenFull bool
	pushedBack   func() // see pushbacker
}

// NewBoundedChannel returns a channel that holds at most capacity messages.
func NewBoundedChannel(capacity int) *BoundedChannel {
	return &BoundedChannel{ch: make(chan Message, capacity)}
}

// NewDroppingChannel is the bounded channel with its safeguard off (the
// demo's -block=false): a full channel does not hold the producer back, the
// send falls through a select's default and the message is gone, while
// Offer reports it accepted. It is the common way a "non-blocking" channel
// loses work silently; the ledger finds the accepted messages that were
// never processed.
func NewDroppingChannel(capacity int) *BoundedChannel {
	return &BoundedChannel{ch: make(chan Message, capacity), dropWhenFull: true}
}

// Name implements Strategy.
func (b *BoundedChannel) Name() string {
	if cap(b.ch) == 0 {
		return "synchronous-handoff"
	}
	return "bounded-channel"
}

// Capacity implements Strategy.
func (b *BoundedChannel) Capacity() int { return cap(b.ch) }

// Offer blocks while the channel is full.
func (b *BoundedChannel) Offer(ctx context.Context, m Message) error {
	if b.dropWhenFull {
		select {
		case b.ch <- m:
		default: // the bug: full, dropped, and nobody is told
		}
		return nil
	}
	select {
	case b.ch <- m:
		return nil
	default: // full: the producer waits
	}
	if b.pushedBack != nil {
		b.pushedBack()
	}
	select {
	case b.ch <- m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *BoundedChannel) onPushback(notify func()) { b.pushedBack = notify }

// Close implements Strategy.
func (b *BoundedChannel) Close() { b.close.Do(func() { close(b.ch) }) }

// Serve implements Strategy.
func (b *BoundedChannel) Serve(ctx context.Context, handle Handler) error {
	return serveChannel(ctx, b.ch, handle)
}

// serveChannel hands every message of ch to handle until ch is closed and
// drained, handle fails, or ctx ends: the consumer side of the in-process
// strategies.
func serveChannel(ctx context.Context, ch <-chan Message, handle Handler) error {
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				return nil
			}
			if err := handle(ctx, m); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Depth implements Strategy.
func (b *BoundedChannel) Depth() int { return len(b.ch) }
