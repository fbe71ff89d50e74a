package pipeline_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
)

// save writes the expected store the way an engine would: every line's
// outcome once, in batches, then the whole of it again (a redelivery, a
// retried activity).
func saveTwice(t *testing.T, f pipelinetest.Fixture, opts pipeline.SinkOptions) (snap pipeline.Snapshot, written int) {
	t.Helper()
	ctx := context.Background()
	sink, err := pipeline.OpenSink(f.SinkPath("sink"), opts)
	require.NoError(t, err)
	defer sink.Close()
	var results []pipeline.Result
	var rejects []pipeline.Rejection
	for _, l := range f.Data.Lines { // duplicate lines write their reading again
		c, rej := pipeline.CleanLine(l)
		if rej != nil {
			rejects = append(rejects, *rej)
			continue
		}
		res, rej, err := f.Stage.AnalyzeWithRetry(ctx, c)
		require.NoError(t, err)
		if rej != nil {
			rejects = append(rejects, *rej)
		} else {
			results = append(results, res)
		}
	}
	for range 2 {
		require.NoError(t, sink.Save(ctx, results, rejects))
	}
	snap, err = pipeline.ReadSnapshot(ctx, f.SinkPath("sink"))
	require.NoError(t, err)
	return snap, 2 * (len(results) + len(rejects))
}

// The upserting sink absorbs every repeat: the input's duplicate lines and a
// second write of everything leave one row per reading and per rejection.
//
// Fault: duplicate | target: the upserting sink: duplicate lines and a second write of everything | invariant: one row per reading and per rejection
func TestSinkAbsorbsRepeatedWrites(t *testing.T) {
	f := pipelinetest.New(t, 3, 400)
	snap, written := saveTwice(t, f, pipeline.SinkOptions{})
	f.RequireInvariant(t, snap)
	assert.Equal(t, written, snap.Writes, "every write was counted by the row it landed on")
	assert.Equal(t, written-len(snap.Results)-len(snap.Rejects), snap.Repeats())
}

// With Append (-upsert=false) every repeat is a row of its own, and the
// audit names the readings stored more than once.
func TestAppendingSinkStoresRepeatsAndTheAuditSeesThem(t *testing.T) {
	f := pipelinetest.New(t, 3, 400)
	snap, written := saveTwice(t, f, pipeline.SinkOptions{Append: true})
	assert.Equal(t, written, len(snap.Results)+len(snap.Rejects), "one row per write")
	v := strings.Join(pipeline.Audit(f.Data.Lines, snap), "; ")
	assert.Contains(t, v, "stored more than once")
	assert.Contains(t, v, "rejected more than once")
}

// With DropRejects (-rejects=false) the rejected lines leave no trace, and
// the audit names them lost.
func TestSinkThatDropsRejectionsLosesLinesAndTheAuditSeesThem(t *testing.T) {
	f := pipelinetest.New(t, 3, 400)
	snap, _ := saveTwice(t, f, pipeline.SinkOptions{DropRejects: true})
	assert.Empty(t, snap.Rejects)
	v := strings.Join(pipeline.Audit(f.Data.Lines, snap), "; ")
	assert.Contains(t, v, "malformed but neither rejected nor stored")
	assert.Contains(t, v, "lost: neither stored nor rejected", "the poison reading, given up on, is gone too")
}

// The tally counts the source from the source and the store from the
// store: an empty store does not make the input look clean or duplicated.
func TestTallyOfABrokenStoreStillTellsTheSourceRight(t *testing.T) {
	f := pipelinetest.New(t, 3, 400)
	want, empty := pipeline.Count(f.Data.Lines, f.Want), pipeline.Count(f.Data.Lines, pipeline.Snapshot{})
	assert.Equal(t, want.Cleaned, empty.Cleaned)
	assert.Equal(t, want.Malformed, empty.Malformed)
	assert.Equal(t, want.Duplicates, empty.Duplicates)
	assert.Zero(t, empty.Stored)
	assert.Equal(t, "none", empty.Reasons())
	assert.Equal(t, want.Malformed+1, want.Rejected, "a correct store rejects the malformed lines and the poison reading")
	assert.Equal(t, want.Cleaned-want.Duplicates-1, want.Stored, "and stores one row per other key")

	twice, _ := saveTwice(t, f, pipeline.SinkOptions{Append: true})
	assert.Contains(t, pipeline.Count(f.Data.Lines, twice).String(), "duplicate lines, 0 of them merged by key")
	assert.Contains(t, empty.String(), "duplicate lines, 0 of them merged by key")
}
