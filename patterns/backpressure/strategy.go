package backpressure

import (
	"context"
	"errors"
	"fmt"
)

// Strategy stands between a producer that offers messages faster than a
// consumer can process them. Each of the four ways to handle the overload is
// one Strategy, so Run measures them all the same way.
//
// The producer calls Offer from one goroutine and Close when it has nothing
// more to offer; the consumer side is Serve, which runs in another goroutine
// until every accepted message has been handled.
type Strategy interface {
	// Name identifies the strategy in narration and benchmarks.
	Name() string
	// Capacity is the bound B on accepted-but-unprocessed messages, or
	// Unbounded.
	Capacity() int
	// Offer hands m to the strategy. nil means accepted: m will reach the
	// consumer. A *ShedError means dropped on purpose (and the caller counts
	// it). Offer may block while the strategy pushes back; it returns the
	// context's error if ctx ends first. Offer is not called after Close.
	Offer(ctx context.Context, m Message) error
	// Close says no more messages will be offered.
	Close()
	// Serve delivers accepted messages to handle, one at a time, and returns
	// nil once Close was called and every accepted message was handled.
	Serve(ctx context.Context, handle Handler) error
	// Depth is the number of accepted messages not yet handled.
	Depth() int
}

// Unbounded is the Capacity of a strategy that never refuses a message.
const Unbounded = -1

// ShedReason says why a message was dropped.
type ShedReason int

// Reasons to shed a message.
const (
	// ShedRateLimited: the admission rate limiter had no token.
	ShedRateLimited ShedReason = iota
	// ShedQueueFull: the bounded queue behind the limiter was full.
	ShedQueueFull
	numShedReasons
)

func (r ShedReason) String() string {
	switch r {
	case ShedRateLimited:
		return "rate-limited"
	case ShedQueueFull:
		return "queue-full"
	}
	return fmt.Sprintf("ShedReason(%d)", int(r))
}

// ShedError is returned by Offer for a message dropped on purpose.
type ShedError struct {
	ID     uint64
	Reason ShedReason
}

func (e *ShedError) Error() string { return fmt.Sprintf("message %d shed: %s", e.ID, e.Reason) }

// ErrConsumerCrashed is returned by a Handler to make the consumer instance
// die on the spot, as a killed process would: the message is neither
// processed nor acknowledged, and neither is anything else it holds.
// JetStreamQueue restarts a new instance; the in-memory strategies cannot
// recover what a dead consumer held, so for them it ends Serve.
var ErrConsumerCrashed = errors.New("consumer crashed")

// pushbacker is implemented by a strategy that holds the producer back:
// notify is called each time Offer finds it full and is about to make the
// producer wait. Run uses it only to end a late start (Workload.StartLate),
// never to judge a bound. Set it before the first Offer.
type pushbacker interface {
	onPushback(notify func())
}
