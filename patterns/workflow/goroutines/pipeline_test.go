package goroutines_test

import (
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/patterns/workflow/goroutines"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
)

var update = flag.Bool("update", false, "rewrite the golden store in testdata/golden")

// The invariant every test here attacks: each line of the input is stored
// exactly once (one row for its reading key) or rejected with a reason, and
// the store equals what a plain loop over the input would store.

// A slow store fills the hand-offs behind it and then blocks the collector:
// lines in flight never exceed the bound the buffers set, and nothing is
// lost.
//
// Fault: delay | target: the in-process pipeline's store, slow | invariant: lines in flight never exceed the bound the buffers set, and nothing is lost
func TestSlowStoreBackpressure(t *testing.T) {
	f := pipelinetest.New(t, 11, 2000)
	ctx := pipelinetest.Ctx(t, time.Minute)
	sink, err := pipeline.OpenSink(f.SinkPath("slow"), pipeline.SinkOptions{Delay: 2 * time.Millisecond})
	require.NoError(t, err)
	defer sink.Close()
	p := goroutines.Pipeline{Buffer: 8, FanOut: 2, Batch: 16, Stage: f.Stage}

	probe, err := p.Run(ctx, f.Source, sink)
	require.NoError(t, err)

	assert.LessOrEqual(t, probe.Peak(), p.MaxInFlight(), "in flight stays within the buffers")
	assert.Greater(t, probe.Peak(), 3*8, "the hand-offs filled up: the collector was held back")
	snap, err := sink.Snapshot(ctx)
	require.NoError(t, err)
	f.RequireInvariant(t, snap)
}

// The same slow store with unbounded hand-offs (-bounded=false): nothing
// holds the collector back, and the whole input is in memory at once,
// which the probe at the two ends sees. The store is still right: the bound
// is a memory guarantee, not a correctness one.
func TestUnboundedHandoffsLetTheCollectorRunAhead(t *testing.T) {
	f := pipelinetest.New(t, 11, 2000)
	ctx := pipelinetest.Ctx(t, time.Minute)
	sink, err := pipeline.OpenSink(f.SinkPath("unbounded"), pipeline.SinkOptions{Delay: 2 * time.Millisecond})
	require.NoError(t, err)
	defer sink.Close()
	p := goroutines.Pipeline{Buffer: 8, FanOut: 2, Batch: 16, Stage: f.Stage, Unbounded: true}

	probe, err := p.Run(ctx, f.Source, sink)
	require.NoError(t, err)

	assert.Greater(t, probe.Peak(), 10*p.MaxInFlight(), "the collector ran far past the bound")
	snap, err := sink.Snapshot(ctx)
	require.NoError(t, err)
	f.RequireInvariant(t, snap)
}

// A reading the scoring service always fails on is tried MaxAttempts times
// and rejected with the reason; it does not stop the rest.
//
// Fault: bad-input | target: the in-process pipeline, a reading the scoring service always fails on | invariant: tried MaxAttempts times and rejected with the reason; the rest goes on
func TestPoisonReadingIsRejectedWithReason(t *testing.T) {
	f := pipelinetest.New(t, 5, 400)
	ctx := pipelinetest.Ctx(t, time.Minute)
	sink, err := pipeline.OpenSink(f.SinkPath("poison"), pipeline.SinkOptions{})
	require.NoError(t, err)
	defer sink.Close()
	_, err = goroutines.Pipeline{Stage: f.Stage}.Run(ctx, f.Source, sink)
	require.NoError(t, err)
	snap, err := sink.Snapshot(ctx)
	require.NoError(t, err)
	f.RequireInvariant(t, snap)
	poison := f.Stage.PoisonKeys[0]
	var found bool
	for _, r := range snap.Rejects {
		if r.Kind == "gave-up" {
			found = true
			assert.Equal(t, "analyze: gave up after 3 attempts: scoring service failed on "+poison, r.Reason)
		}
	}
	assert.True(t, found, "the poison reading %s is rejected", poison)
}

// When a stage fails (here the store: its database is closed), the errgroup
// cancels every other stage and Run returns the error; TestMain's goleak
// check proves no goroutine is left behind.
//
// Fault: failure | target: the store's database, closed mid-run | invariant: the errgroup cancels every stage, Run returns the error, no goroutine is left behind
func TestStageFailureStopsEveryGoroutine(t *testing.T) {
	for _, unbounded := range []bool{false, true} {
		f := pipelinetest.New(t, 5, 2000)
		sink, err := pipeline.OpenSink(f.SinkPath("closed"), pipeline.SinkOptions{})
		require.NoError(t, err)
		require.NoError(t, sink.Close())
		_, err = goroutines.Pipeline{Stage: f.Stage, Unbounded: unbounded}.Run(pipelinetest.Ctx(t, time.Minute), f.Source, sink)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "save")
	}
}

// The store any run of this engine leaves equals its golden file, which is
// the same text as the other engines' golden files.
func TestGolden(t *testing.T) {
	f := pipelinetest.New(t, pipelinetest.GoldenSeed, pipelinetest.GoldenRecords)
	ctx := pipelinetest.Ctx(t, time.Minute)
	sink, err := pipeline.OpenSink(f.SinkPath("goroutines"), pipeline.SinkOptions{})
	require.NoError(t, err)
	defer sink.Close()
	_, err = goroutines.Pipeline{Stage: f.Stage}.Run(ctx, f.Source, sink)
	require.NoError(t, err)
	snap, err := sink.Snapshot(ctx)
	require.NoError(t, err)
	f.RequireInvariant(t, snap)
	pipelinetest.Golden(t, filepath.Join("testdata", "golden", "goroutines.golden"), snap.Dump(), *update)
}

func TestMaxInFlightIsTheDocumentedBound(t *testing.T) {
	assert.Equal(t, 3*16+1+4+32, goroutines.Pipeline{Buffer: 16, FanOut: 4, Batch: 32}.MaxInFlight())
	assert.Equal(t, 3*64+1+4+128, goroutines.Pipeline{}.MaxInFlight(), "defaults")
}
