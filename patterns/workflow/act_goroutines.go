package workflow

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/patternlab/patternlab/patterns/workflow/goroutines"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// inProcess is act 1: the pipeline as goroutines. The lines in flight are
// measured at the two ends, the collector and the committed store, and
// must stay within the bound the hand-offs set.
func (r *run) inProcess(ctx context.Context) (pipeline.Snapshot, error) {
	p := goroutines.Pipeline{Buffer: demoBuffer, FanOut: r.cfg.FanOut, Batch: demoBatch, Stage: r.stage,
		Unbounded: !r.cfg.Safeguards.Bounded}.WithDefaults()
	bound := p.MaxInFlight()
	r.n.Act("1. in-process Go: goroutines joined by bounded hand-offs")
	r.n.Step("goroutines", "one goroutine per stage, %d for analyze; hand-offs of %d, store batches of %d: at most %d lines in flight; one errgroup owns them all",
		p.FanOut, p.Buffer, p.Batch, bound)
	if p.Unbounded {
		r.n.Step("goroutines", "SWITCH -bounded=false: the hand-offs have no capacity limit")
	}
	sink, err := pipeline.OpenSink(filepath.Join(r.dir, "goroutines.db"), r.cfg.sinkOptions())
	if err != nil {
		return pipeline.Snapshot{}, err
	}
	defer sink.Close()
	start := time.Now()
	probe, err := p.Run(ctx, r.source, sink)
	if err != nil {
		return pipeline.Snapshot{}, err
	}
	took := time.Since(start)
	held := r.n.Check("bounded-in-flight", probe.Peak() <= bound,
		"lines collected and not yet committed to the store never exceeded %d", bound)
	r.n.Measure("goroutines", "at most %d lines were in flight at once (collected: %d, committed: %d)", probe.Peak(), probe.Collected(), probe.Settled())
	if !held {
		r.violations = append(r.violations, fmt.Sprintf("goroutines: more lines in flight than the bound of %d: %d at once", bound, probe.Peak()))
	}
	snap, err := sink.Snapshot(ctx)
	if err != nil {
		return pipeline.Snapshot{}, err
	}
	r.report("goroutines", snap, took)
	return snap, nil
}
