package backpressure

import (
	"context"
	"sync"
)

// UnboundedBuffer is the anti-pattern: a FIFO that accepts everything. Offer
// never blocks and never refuses, so when the producer is faster than the
// consumer the backlog, and the heap holding it, grow without limit:
// (λ-μ)·t messages after t seconds of overload.
type UnboundedBuffer struct {
	mu     sync.Mutex
	queue  []Message
	head   int
	closed bool
	wake   chan struct{} // capacity 1: "the queue changed"
}

// NewUnboundedBuffer returns an empty buffer.
func NewUnboundedBuffer() *UnboundedBuffer {
	return &UnboundedBuffer{wake: make(chan struct{}, 1)}
}

// Name implements Strategy.
func (*UnboundedBuffer) Name() string { return "unbounded-buffer" }

// Capacity implements Strategy: there is none.
func (*UnboundedBuffer) Capacity() int { return Unbounded }

// Offer appends m and returns at once.
func (u *UnboundedBuffer) Offer(_ context.Context, m Message) error {
	u.mu.Lock()
	u.queue = append(u.queue, m)
	u.mu.Unlock()
	u.signal()
	return nil
}

// Close implements Strategy.
func (u *UnboundedBuffer) Close() {
	u.mu.Lock()
	u.closed = true
	u.mu.Unlock()
	u.signal()
}

func (u *UnboundedBuffer) signal() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

// Serve implements Strategy.
func (u *UnboundedBuffer) Serve(ctx context.Context, handle Handler) error {
	for {
		m, ok, closed := u.pop()
		if ok {
			if err := handle(ctx, m); err != nil {
				return err
			}
			continue
		}
		if closed {
			return nil
		}
		select {
		case <-u.wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (u *UnboundedBuffer) pop() (m Message, ok, closed bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.head == len(u.queue) {
		u.queue, u.head = u.queue[:0], 0
		return Message{}, false, u.closed
	}
	m = u.queue[u.head]
	u.queue[u.head] = Message{} // let the payload go
	u.head++
	if u.head >= 1024 && u.head*2 >= len(u.queue) {
		n := copy(u.queue, u.queue[u.head:])
		clear(u.queue[n:])
		u.queue, u.head = u.queue[:n], 0
	}
	return m, true, false
}

// Depth implements Strategy.
func (u *UnboundedBuffer) Depth() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.queue) - u.head
}
