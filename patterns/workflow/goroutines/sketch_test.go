package goroutines_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
)

// seedSketch is the seed chapter's pipeline,
//
//	func process() { go collect(); go clean(); go analyze(); go store() }
//
// made to compile with the least that lets it do anything: channels between
// the stages. It is here to be refuted.
func seedSketch(lines []pipeline.Line, stage pipeline.StageConfig, save func(pipeline.Result)) {
	raw := make(chan pipeline.Line)
	cleaned := make(chan pipeline.Cleaned)
	analyzed := make(chan pipeline.Result)
	go func() { // go collect()
		for _, l := range lines {
			raw <- l
		}
		close(raw)
	}()
	go func() { // go clean()
		for l := range raw {
			c, rej := pipeline.CleanLine(l)
			if rej != nil {
				continue // the rejection, and its reason, go nowhere
			}
			cleaned <- c
		}
		close(cleaned)
	}()
	go func() { // go analyze()
		for c := range cleaned {
			r, _ := stage.Score(context.Background(), c) // no retry; the error is dropped
			analyzed <- r
		}
		close(analyzed)
	}()
	go func() { // go store()
		for r := range analyzed {
			save(r)
		}
	}()
} // returns at once: nobody owns the goroutines, nobody learns of an error

// What is wrong with the sketch, shown on the lab's input.
func TestSeedSketchLosesTrackOfItsWork(t *testing.T) {
	f := pipelinetest.New(t, 3, 300)
	gate := make(chan struct{}) // the store is slow to start, as stores are
	var saved []pipeline.Result // a plain insert, not an upsert
	done := make(chan struct{})
	save := func(r pipeline.Result) {
		<-gate
		saved = append(saved, r)
		if len(saved) == len(f.Want.Results)+f.DuplicateLines()+1 {
			close(done)
		}
	}

	seedSketch(f.Data.Lines, f.Stage, save)

	// 1. process() returned with nothing stored and four goroutines still
	// running: the caller cannot wait for them, or stop them.
	assert.Empty(t, saved)
	assert.Error(t, goleak.Find(), "the sketch's goroutines outlive process()")

	close(gate)
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the sketch never finished")
	}
	require.NoError(t, goleak.Find(), "its goroutines end only because the input did")

	// 2. The malformed lines vanished: no rejection, no reason.
	snap := pipeline.Snapshot{Results: saved}
	assert.NotEmpty(t, pipeline.Audit(f.Data.Lines, snap), "lines neither stored nor rejected")
	// 3. The poison reading's error was dropped and its zero value stored.
	assert.Contains(t, saved, pipeline.Result{}, "a zero-valued result was stored")
	// 4. Duplicate lines were stored twice: without an upsert, counts are off.
	assert.Greater(t, len(saved), len(f.Want.Results)+1)
}
