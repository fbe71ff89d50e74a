package workflow

import (
	"context"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// InProcess runs the pipeline as goroutines in one process: one goroutine
// per stage, FanOut for analyze, joined by bounded channels. The errgroup
// owns every goroutine: the first error cancels the context, every stage
// stops, and Run returns that error after all of them have exited.
//
// It is the fastest of the three and the least durable: if the process dies,
// the run starts over (and the upserting sink makes that harmless).
type InProcess struct {
	Buffer int // capacity of each channel between stages (default 64)
	FanOut int // analyze goroutines (default 4)
	Batch  int // outcomes per store transaction (default 128)
	Stage  StageConfig
	// Probe, when set, counts lines in flight (tests watch backpressure).
	Probe *Probe
}

// Probe counts lines collected and settled (stored or rejected) while a run
// goes, and the most that were ever in flight between the two.
type Probe struct {
	collected, settled, peak atomic.Int64
}

// Peak is the most lines that were collected and not yet settled at once.
func (p *Probe) Peak() int { return int(p.peak.Load()) }

// Collected is how many lines the collector handed on so far.
func (p *Probe) Collected() int { return int(p.collected.Load()) }

func (p InProcess) withDefaults() InProcess {
	if p.Buffer <= 0 {
		p.Buffer = 64
	}
	if p.FanOut <= 0 {
		p.FanOut = 4
	}
	if p.Batch <= 0 {
		p.Batch = 128
	}
	if p.Probe == nil {
		p.Probe = &Probe{}
	}
	return p
}

// MaxInFlight is the bound backpressure keeps: lines in the three channels,
// one in the hands of clean and of each analyze goroutine, and a store batch.
// A slow stage fills the channels behind it and then blocks the collector.
func (p InProcess) MaxInFlight() int {
	p = p.withDefaults()
	return 3*p.Buffer + 1 + p.FanOut + p.Batch
}

// outcome is what reaches the store: a result or a rejection.
type outcome struct {
	res *Result
	rej *Rejection
}

// Run moves every line of the export at source through the stages into sink.
func (p InProcess) Run(ctx context.Context, source string, sink *Sink) error {
	p = p.withDefaults()
	g, ctx := errgroup.WithContext(ctx)
	raw := make(chan Line, p.Buffer)
	cleaned := make(chan Cleaned, p.Buffer)
	outcomes := make(chan outcome, p.Buffer)

	g.Go(func() error { // collect
		defer close(raw)
		return ScanSource(source, 0, -1, func(l Line) error {
			if err := send(ctx, raw, l); err != nil {
				return err
			}
			p.Probe.collect()
			return nil
		})
	})

	var producers sync.WaitGroup // clean and analyze both send outcomes
	producers.Add(1 + p.FanOut)
	g.Go(func() error { // clean
		defer producers.Done()
		defer close(cleaned)
		for l := range raw {
			c, rej := CleanLine(l)
			var err error
			if rej != nil {
				err = send(ctx, outcomes, outcome{rej: rej})
			} else {
				err = send(ctx, cleaned, c)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	for range p.FanOut { // analyze, fanned out
		g.Go(func() error {
			defer producers.Done()
			for c := range cleaned {
				res, rej, err := p.Stage.AnalyzeWithRetry(ctx, c)
				if err != nil {
					return err
				}
				o := outcome{res: &res}
				if rej != nil {
					o = outcome{rej: rej}
				}
				if err := send(ctx, outcomes, o); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error { // the last producer out closes the store's input
		producers.Wait()
		close(outcomes)
		return nil
	})

	g.Go(func() error { // store, in batches
		var results []Result
		var rejects []Rejection
		flush := func() error {
			if err := sink.Save(ctx, results, rejects); err != nil {
				return err
			}
			p.Probe.settle(len(results) + len(rejects))
			results, rejects = results[:0], rejects[:0]
			return nil
		}
		for o := range outcomes {
			if o.rej != nil {
				rejects = append(rejects, *o.rej)
			} else {
				results = append(results, *o.res)
			}
			if len(results)+len(rejects) >= p.Batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	})
	return g.Wait()
}

// send hands v on, or gives up when the run is cancelled: a stage never
// blocks forever on a stage that has stopped.
func send[T any](ctx context.Context, ch chan<- T, v T) error {
	select {
	case ch <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Probe) collect() {
	n := p.collected.Add(1) - p.settled.Load()
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			return
		}
	}
}

func (p *Probe) settle(n int) { p.settled.Add(int64(n)) }
