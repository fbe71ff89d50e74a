package workflow

import (
	"context"
	"path/filepath"
	"time"
)

// inProcess is act 1: the pipeline as goroutines.
func (r *run) inProcess(ctx context.Context) (Snapshot, error) {
	p := InProcess{FanOut: r.cfg.FanOut, Stage: r.stage}.withDefaults()
	r.n.Act("1. in-process Go: goroutines joined by bounded channels")
	r.n.Step("goroutines", "one goroutine per stage, %d for analyze; channels of %d; one errgroup owns them all",
		p.FanOut, p.Buffer)
	sink, err := OpenSink(filepath.Join(r.dir, "goroutines.db"), 0)
	if err != nil {
		return Snapshot{}, err
	}
	defer sink.Close()
	start := time.Now()
	if err := p.Run(ctx, r.source, sink); err != nil {
		return Snapshot{}, err
	}
	took := time.Since(start)
	snap, err := sink.Snapshot(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	r.report("goroutines", snap, took)
	return snap, nil
}
