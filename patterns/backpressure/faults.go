package backpressure

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/patternlab/patternlab/kit/poll"
)

// CrashAt makes the consumer crash once, on message id: the handler returns
// ErrConsumerCrashed without processing it. crashed, when set, is called
// first (to narrate the fault).
func CrashAt(id uint64, crashed func(Message)) func(Handler) Handler {
	var done atomic.Bool
	return func(next Handler) Handler {
		return func(ctx context.Context, m Message) error {
			if m.ID == id && done.CompareAndSwap(false, true) {
				if crashed != nil {
					crashed(m)
				}
				return ErrConsumerCrashed
			}
			return next(ctx, m)
		}
	}
}

// CrashAfter makes the consumer crash once, right after it processed message
// id and before anything acknowledges it: next runs (the effect happens, and
// an inbox inside next records it), then the handler returns
// ErrConsumerCrashed, so the Worker dies without acking. The broker
// redelivers id after AckWait: the situation an idempotent receiver exists
// for. crashed, when set, is called between the two (to narrate the fault).
func CrashAfter(id uint64, crashed func(Message)) func(Handler) Handler {
	var done atomic.Bool
	return func(next Handler) Handler {
		return func(ctx context.Context, m Message) error {
			if err := next(ctx, m); err != nil {
				return err
			}
			if m.ID == id && done.CompareAndSwap(false, true) {
				if crashed != nil {
					crashed(m)
				}
				return ErrConsumerCrashed
			}
			return nil
		}
	}
}

// StallOn makes the consumer stop when it is handed its nth message (1 is
// the first; shed messages never reach it), until release is closed or d has
// passed (d <= 0: only release); then it goes on normally. stalled, when set,
// is called when the stall begins.
func StallOn(nth int64, d time.Duration, release <-chan struct{}, stalled func(Message)) func(Handler) Handler {
	var handed atomic.Int64
	return func(next Handler) Handler {
		return func(ctx context.Context, m Message) error {
			if handed.Add(1) == nth {
				if stalled != nil {
					stalled(m)
				}
				var timeout <-chan time.Time
				if d > 0 {
					t := time.NewTimer(d)
					defer t.Stop()
					timeout = t.C
				}
				select {
				case <-release:
				case <-timeout:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return next(ctx, m)
		}
	}
}

// stallPoll is how often StallUntil asks its condition.
const stallPoll = 5 * time.Millisecond

// StallUntil makes the consumer's first message slow: the handler waits
// until until reports true (asked every few milliseconds), then goes on
// normally. stalled, when set, is called when the stall begins. It models a
// consumer that is slower than delivery (a cold connection pool, a slow
// first write) for as long as it takes the broker to deliver what it will:
// what the consumer then holds is what its credit window let through.
func StallUntil(until func(context.Context) (bool, error), stalled func(Message)) func(Handler) Handler {
	var first atomic.Bool
	return func(next Handler) Handler {
		return func(ctx context.Context, m Message) error {
			if first.CompareAndSwap(false, true) {
				if stalled != nil {
					stalled(m)
				}
				if err := poll.Until(ctx, stallPoll, func() (bool, error) { return until(ctx) }); err != nil {
					return err
				}
			}
			return next(ctx, m)
		}
	}
}
