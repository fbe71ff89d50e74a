package backpressure

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Result is what Run measured for one strategy under one workload.
type Result struct {
	Strategy string
	Capacity int // B as the strategy states it, or Unbounded
	Workload Workload
	Audit    Audit
	// Elapsed runs from the start of consumption to the end of the last
	// processing.
	Elapsed time.Duration
	// OfferTime is the producer's total time inside Offer: how long the
	// strategy held it back.
	OfferTime time.Duration
	// MaxLag is how far the producer fell behind its arrival schedule: the
	// backlog a blocking strategy pushed upstream.
	MaxLag time.Duration
	// OwnPeak is the highest Depth the strategy reported of itself, read
	// after each accepted Offer. It is shown beside Peaks.Backlog and never
	// judged: a strategy's own count cannot testify to its own bound.
	OwnPeak int
	// Baseline is the heap after a GC before the run; Peaks are the highest
	// readings during it: the ledger's backlog and the heap.
	Baseline HeapSample
	Peaks    Peaks
}

// Goodput is messages processed per second of the run.
func (r Result) Goodput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Audit.Processed) / r.Elapsed.Seconds()
}

// HeapGrowth is the peak live heap above the baseline.
func (r Result) HeapGrowth() uint64 {
	return r.Peaks.Heap.Live - min(r.Baseline.Live, r.Peaks.Heap.Live)
}

// Run drives s with w: one goroutine produces (paced as a Poisson process of
// rate λ), s.Serve consumes (paced at μ), a Sampler records the peak backlog
// (from the ledger, not from the strategy) and heap, and a Ledger audits
// every message ID. It returns when the producer is done and Serve has
// handled every accepted message.
func Run(ctx context.Context, s Strategy, w Workload) (Result, error) {
	if err := w.validate(); err != nil {
		return Result{}, err
	}
	ledger := NewLedger(w.Messages)
	consume := w.consumer(ledger)
	res := Result{Strategy: s.Name(), Capacity: s.Capacity(), Workload: w}

	res.Baseline = Baseline()
	sampler := StartSampler(ledger.Backlog, res.Baseline, w.HeapBound)
	start := time.Now()
	ledger.start = start
	late := newLateStart(w, s, ledger)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := late.wait(gctx); err != nil {
			return err
		}
		return s.Serve(gctx, consume)
	})
	g.Go(func() error {
		defer s.Close()
		if err := produce(gctx, s, w, ledger, sampler, newArrivals(w, start), late, &res); err != nil {
			return err // the late consumer stops with gctx
		}
		late.comeBack(false) // the producer is done, and nothing pushed it back
		sampler.Mark()
		return nil
	})
	err := g.Wait()
	res.Peaks = sampler.Stop()
	if err != nil {
		return res, fmt.Errorf("run %s: %w", s.Name(), err)
	}
	res.Audit = ledger.Audit()
	res.Elapsed = res.Audit.LastDone
	return res, nil
}

// RunCatchUp is the catch-up burst: the consumer is down while the whole
// workload arrives (the producer offers it flat out, so s must hold all of
// it, as a hub's stream holds what its sites sent during an outage), then
// down is called, and only then the consumer starts on the backlog. The heap
// baseline is taken with the backlog already stored, so HeapGrowth is what
// the consumer adds while it catches up: what its credit window bounds.
func RunCatchUp(ctx context.Context, s Strategy, w Workload, down func(backlog int)) (Result, error) {
	if err := w.validate(); err != nil {
		return Result{}, err
	}
	ledger := NewLedger(w.Messages)
	consume := w.consumer(ledger)
	res := Result{Strategy: s.Name(), Capacity: s.Capacity(), Workload: w}
	start := time.Now()
	ledger.start = start
	err := produce(ctx, s, w, ledger, nil, nil, nil, &res)
	s.Close()
	if err != nil {
		return res, fmt.Errorf("run %s: %w", s.Name(), err)
	}
	if down != nil {
		down(ledger.Backlog())
	}
	res.Baseline = Baseline()
	sampler := StartSampler(ledger.Backlog, res.Baseline, w.HeapBound)
	resumed := time.Since(start)
	err = s.Serve(ctx, consume)
	res.Peaks = sampler.Stop()
	if err != nil {
		return res, fmt.Errorf("run %s: %w", s.Name(), err)
	}
	res.Audit = ledger.Audit()
	res.Elapsed = res.Audit.LastDone - resumed
	return res, nil
}

// produce offers the workload's messages to s, recording each verdict. pace
// nil means flat out; sampler, when set, sees the backlog after each accept.
func produce(ctx context.Context, s Strategy, w Workload, ledger *Ledger, sampler *Sampler, pace *arrivals, late *lateStart, res *Result) error {
	payloads := rand.New(rand.NewPCG(w.Seed, 2))
	for i := range w.Messages {
		if pace != nil {
			lag, err := pace.next(ctx)
			if err != nil {
				return err
			}
			res.MaxLag = max(res.MaxLag, lag)
		}
		m := NewMessage(uint64(i), w.PayloadSize, payloads)
		ledger.Offering(m.ID)
		began := time.Now()
		err := s.Offer(ctx, m)
		res.OfferTime += time.Since(began)
		var shed *ShedError
		switch {
		case err == nil:
			ledger.Accepted(m.ID)
			res.OwnPeak = max(res.OwnPeak, s.Depth())
			if sampler != nil {
				sampler.ObserveDepth(ledger.Backlog())
			}
		case errors.As(err, &shed):
			ledger.Shed(m.ID, shed.Reason)
			late.comeBack(true) // a refusal pushes back
		default:
			return fmt.Errorf("offer message %d: %w", m.ID, err)
		}
	}
	return nil
}

// lateStart holds the consumer back until the first pushback or the end of
// production (Workload.StartLate). A nil *lateStart starts it at once.
type lateStart struct {
	ledger *Ledger
	tell   func(LateStart)
	once   sync.Once
	back   chan struct{}
}

func newLateStart(w Workload, s Strategy, ledger *Ledger) *lateStart {
	if w.StartLate == nil {
		return nil
	}
	l := &lateStart{ledger: ledger, tell: w.StartLate, back: make(chan struct{})}
	if p, ok := s.(pushbacker); ok {
		p.onPushback(func() { l.comeBack(true) }) // it blocks the producer
	}
	return l
}

// comeBack lets the consumer start, once.
func (l *lateStart) comeBack(pushedBack bool) {
	if l == nil {
		return
	}
	l.once.Do(func() {
		l.tell(LateStart{PushedBack: pushedBack, Offered: l.ledger.Offered()})
		close(l.back)
	})
}

func (l *lateStart) wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	select {
	case <-l.back:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
