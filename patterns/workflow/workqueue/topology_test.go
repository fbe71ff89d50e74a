package workqueue_test

import (
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
	"github.com/patternlab/patternlab/patterns/workflow/workqueue"
)

// The topology is derived from pipeline.Stages, and its names from two
// prefixes.
func TestTopologyFollowsTheStages(t *testing.T) {
	topo := workqueue.Topology{}.WithDefaults()
	assert.Equal(t, []string{"WF_CLEAN", "WF_ANALYZE", "WF_STORE"}, topo.WorkStreams())
	assert.Equal(t, "wf.rejects", topo.RejectsSubject())
	assert.Equal(t, "wf.>", topo.Owned())
	shared := workqueue.Topology{Subjects: "wf_x1", Streams: "WF_x1"}
	assert.Equal(t, []string{"WF_x1_CLEAN", "WF_x1_ANALYZE", "WF_x1_STORE"}, shared.WorkStreams())
	assert.Equal(t, "wf_x1.dlq", shared.DeadLetterSubject())
}

// On a server where streams of the default names exist already, a topology
// with a prefix of its own creates beside them, refuses to touch them, and
// deletes only what it made.
func TestTopologyLeavesWhatItDidNotCreate(t *testing.T) {
	ctx := pipelinetest.Ctx(t, time.Minute)
	_, js := natsFor(t)
	_, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "WF_CLEAN", Subjects: []string{"someone.else"}})
	require.NoError(t, err)
	_, err = js.Publish(ctx, "someone.else", []byte("theirs"))
	require.NoError(t, err)

	require.Error(t, workqueue.Topology{}.Create(ctx, js), "the default names are taken: Create fails rather than change them")

	mine := workqueue.Topology{Subjects: "wf_mine", Streams: "WF_mine"}
	require.NoError(t, mine.Create(ctx, js))
	require.NoError(t, mine.Delete(ctx, js))
	var names []string
	for n := range js.StreamNames(ctx).Name() {
		names = append(names, n)
	}
	slices.Sort(names)
	assert.Equal(t, []string{"WF_CLEAN"}, names, "what is left is what was there before")
	st, err := js.Stream(ctx, "WF_CLEAN")
	require.NoError(t, err)
	info, err := st.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), info.State.Msgs, "and it still holds its message")
}
