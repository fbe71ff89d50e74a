package backpressure

import (
	"context"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"
)

// Shedder is admission control: a token bucket (golang.org/x/time/rate)
// admits at most AdmitRate messages a second, in bursts of at most Burst, into
// a bounded queue of capacity B. A message without a token, or arriving at a
// full queue, is refused at once with a *ShedError: the producer never blocks,
// memory stays bounded, and every drop is counted by its reason.
type Shedder struct {
	limiter *rate.Limiter
	ch      chan Message
	close   sync.Once
	shed    [numShedReasons]atomic.Int64
	// admitAll is the -admission=false switch: see NewShedderWithoutAdmission.
	admitAll *UnboundedBuffer
}

// NewShedder admits up to admitRate messages/s (bursts of burst) into a queue
// of capacity messages.
func NewShedder(capacity int, admitRate float64, burst int) *Shedder {
	return &Shedder{
		limiter: rate.NewLimiter(rate.Limit(admitRate), burst),
		ch:      make(chan Message, capacity),
	}
}

// NewShedderWithoutAdmission is the shedder with its safeguard off (the
// demo's -admission=false): no token bucket and no full queue refuse
// anything, so every message is admitted and the queue behind the door has
// to hold whatever the consumer has not taken yet. It still says it has
// capacity B: the ledger's backlog and the heap show what it really holds.
func NewShedderWithoutAdmission(capacity int) *Shedder {
	return &Shedder{ch: make(chan Message, capacity), admitAll: NewUnboundedBuffer()}
}

// Name implements Strategy.
func (*Shedder) Name() string { return "load-shedding" }

// Capacity implements Strategy.
func (s *Shedder) Capacity() int { return cap(s.ch) }

// Offer admits m or sheds it; it never blocks.
func (s *Shedder) Offer(ctx context.Context, m Message) error {
	if s.admitAll != nil {
		return s.admitAll.Offer(ctx, m)
	}
	if !s.limiter.Allow() {
		return s.drop(m, ShedRateLimited)
	}
	select {
	case s.ch <- m:
		return nil
	default:
		return s.drop(m, ShedQueueFull)
	}
}

func (s *Shedder) drop(m Message, r ShedReason) error {
	s.shed[r].Add(1)
	return &ShedError{ID: m.ID, Reason: r}
}

// Shed is how many messages were dropped for reason r so far.
func (s *Shedder) Shed(r ShedReason) int64 { return s.shed[r].Load() }

// Close implements Strategy.
func (s *Shedder) Close() {
	if s.admitAll != nil {
		s.admitAll.Close()
		return
	}
	s.close.Do(func() { close(s.ch) })
}

// Serve implements Strategy.
func (s *Shedder) Serve(ctx context.Context, handle Handler) error {
	if s.admitAll != nil {
		return s.admitAll.Serve(ctx, handle)
	}
	return serveChannel(ctx, s.ch, handle)
}

// Depth implements Strategy: what the shedder's own channel holds. Without
// admission its real queue is elsewhere, and this count stays 0: the reason
// Run measures the backlog from the ledger instead.
func (s *Shedder) Depth() int { return len(s.ch) }
