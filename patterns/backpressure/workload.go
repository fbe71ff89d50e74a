package backpressure

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Workload is what Run throws at a strategy: Messages messages of
// PayloadSize bytes, arriving as a Poisson process of rate λ = Overload·μ,
// for a consumer that can process at most μ = ServiceRate messages a second.
type Workload struct {
	Messages    int
	ServiceRate float64 // μ in msg/s; 0 means the consumer runs flat out
	Overload    float64 // k = λ/μ; ignored (producer flat out) when ServiceRate is 0
	PayloadSize int     // bytes, at least HeaderSize
	Seed        uint64  // seeds arrival gaps and payload filler
	// Inbox, when set, is the receiver's idempotent inbox: a redelivered
	// message already applied is skipped. Nil: at-least-once, every delivery
	// is processed.
	Inbox *Inbox
	// Fault, when set, wraps the consumer's handler, inbox included: a
	// stall, a crash before or after processing.
	Fault func(Handler) Handler
	// StartLate, when set, keeps the consumer down when the run starts (a
	// deploy, a long GC pause, a rebalance) until the strategy first pushes
	// the producer back (it blocks it, or refuses a message) or the producer
	// has offered everything; then StartLate is called and the consumer
	// starts. However fast or slow the machine, a strategy without
	// backpressure then holds the whole workload.
	StartLate func(LateStart)
	// HeapBound is the live-heap growth the caller will hold the run to (0:
	// none). Where the heap could exceed it, the sampler collects garbage
	// to read the live heap at once instead of at the next GC, so a growth
	// above the bound is seen when it happens, not only if a GC happens to
	// run then.
	HeapBound uint64
}

// LateStart says why a late consumer came back.
type LateStart struct {
	PushedBack bool // the strategy pushed the producer back; false: the producer was done
	Offered    int  // messages offered by then
}

// ArrivalRate is λ in msg/s, or +Inf for a producer that runs flat out.
func (w Workload) ArrivalRate() float64 {
	if w.ServiceRate <= 0 {
		return math.Inf(1)
	}
	return w.Overload * w.ServiceRate
}

// ErrBadWorkload is wrapped by Run's error for a workload it cannot run.
var ErrBadWorkload = errors.New("bad workload")

func (w Workload) validate() error {
	switch {
	case w.Messages < 1:
		return fmt.Errorf("%w: %d messages, need at least 1", ErrBadWorkload, w.Messages)
	case w.PayloadSize < HeaderSize:
		return fmt.Errorf("%w: payload %d B is shorter than the %d-byte ID", ErrBadWorkload, w.PayloadSize, HeaderSize)
	case w.ServiceRate < 0 || math.IsNaN(w.ServiceRate) || math.IsInf(w.ServiceRate, 0):
		return fmt.Errorf("%w: service rate %v msg/s", ErrBadWorkload, w.ServiceRate)
	case w.ServiceRate > 0 && !(w.Overload > 0) || math.IsInf(w.Overload, 0):
		return fmt.Errorf("%w: overload %v", ErrBadWorkload, w.Overload)
	}
	return nil
}

// serviceBurst is how far (in time) a paced consumer may catch up after a
// late timer: a few milliseconds of work, not a second.
const serviceBurst = 5 * time.Millisecond

// consumer returns the handler a run's strategy serves: it checks the
// message and records it in the ledger, paced at μ (the service time) when
// the workload has a service rate. The inbox, when set, wraps it (a skipped
// duplicate costs no service time), and the workload's fault wraps that.
func (w Workload) consumer(ledger *Ledger) Handler {
	var h Handler = func(_ context.Context, m Message) error {
		if err := m.Verify(); err != nil {
			return err
		}
		return ledger.Processed(m.ID)
	}
	if w.ServiceRate > 0 {
		h = Paced(w.ServiceRate, h)
	}
	if w.Inbox != nil {
		h = w.Inbox.Handler(h)
	}
	if w.Fault != nil {
		h = w.Fault(h)
	}
	return h
}

// arrivals paces the producer: message i is due at the sum of i exponential
// gaps of mean 1/λ after the start. A producer held back (by a blocking
// Offer) is behind schedule; it then offers without waiting until it catches
// up, as real traffic does not wait for the server.
type arrivals struct {
	rng   *rand.Rand
	rate  float64
	start time.Time
	due   time.Duration
}

// minWait: closer than this to its due time, the producer does not sleep.
const minWait = 100 * time.Microsecond

func newArrivals(w Workload, start time.Time) *arrivals {
	return &arrivals{rng: rand.New(rand.NewPCG(w.Seed, 1)), rate: w.ArrivalRate(), start: start}
}

// next waits until the next message is due and returns how late it is.
func (a *arrivals) next(ctx context.Context) (time.Duration, error) {
	if math.IsInf(a.rate, 1) {
		return 0, ctx.Err()
	}
	a.due += time.Duration(a.rng.ExpFloat64() / a.rate * float64(time.Second))
	wait := a.due - time.Since(a.start)
	if wait < minWait {
		return max(-wait, 0), ctx.Err()
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return 0, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
