package goroutines

import (
	"context"

	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// Pipeline is the sensor pipeline as goroutines in one process: one
// goroutine per stage, FanOut for analyze, joined by hand-offs of Buffer.
//
// It is the fastest of the engines and the least durable: if the process
// dies, the run starts over (and the upserting sink makes that harmless).
type Pipeline struct {
	Buffer int // capacity of each hand-off between stages (default 64)
	FanOut int // analyze goroutines (default 4)
	Batch  int // outcomes per store transaction (default 128)
	Stage  pipeline.StageConfig
	// Unbounded gives every hand-off unlimited room: the fault of
	// -bounded=false. MaxInFlight still states the bound it breaks.
	Unbounded bool
}

// WithDefaults fills in what is not set.
func (p Pipeline) WithDefaults() Pipeline {
	if p.Buffer <= 0 {
		p.Buffer = 64
	}
	if p.FanOut <= 0 {
		p.FanOut = 4
	}
	if p.Batch <= 0 {
		p.Batch = 128
	}
	return p
}

// MaxInFlight is the bound backpressure keeps: lines in the three
// hand-offs, one in the hands of clean and of each analyze goroutine, and a
// store batch. A slow stage fills the hand-offs behind it and then blocks
// the collector.
func (p Pipeline) MaxInFlight() int {
	p = p.WithDefaults()
	return 3*p.Buffer + 1 + p.FanOut + p.Batch
}

// Run moves every line of the export at source through the stages into
// sink, and returns what it counted at the two ends.
func (p Pipeline) Run(ctx context.Context, source string, sink *pipeline.Sink) (*Probe, error) {
	p = p.WithDefaults()
	buffer := p.Buffer
	if p.Unbounded {
		buffer = Unbounded
	}
	r := Start(ctx, buffer)
	lines := Collect(r, func(_ context.Context, emit func(pipeline.Line) error) error {
		return pipeline.ScanSource(source, 0, -1, emit)
	})
	cleaned := Map(r, lines, 1, func(_ context.Context, l pipeline.Line) (pipeline.Cleaned, *pipeline.Rejection, error) {
		c, rej := pipeline.CleanLine(l)
		return c, rej, nil
	})
	analyzed := Map(r, cleaned, p.FanOut, p.Stage.AnalyzeWithRetry)
	Store(r, analyzed, p.Batch, sink.Save)
	return r.Probe(), r.Wait()
}
