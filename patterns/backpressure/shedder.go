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
}

// NewShedder admits up to admitRate messages/s (bursts of burst) into a queue
// of capacity messages.
func NewShedder(capacity int, admitRate float64, burst int) *Shedder {
	return &Shedder{
		limiter: rate.NewLimiter(rate.Limit(admitRate), burst),
		ch:      make(chan Message, capacity),
	}
}

// Name implements Strategy.
func (*Shedder) Name() string { return "load-shedding" }

// Capacity implements Strategy.
func (s *Shedder) Capacity() int { return cap(s.ch) }

// Offer admits m or sheds it; it never blocks.
func (s *Shedder) Offer(_ context.Context, m Message) error {
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
func (s *Shedder) Close() { s.close.Do(func() { close(s.ch) }) }

// Serve implements Strategy.
func (s *Shedder) Serve(ctx context.Context, handle Handler) error {
	return serveChannel(ctx, s.ch, handle)
}

// Depth implements Strategy.
func (s *Shedder) Depth() int { return len(s.ch) }
