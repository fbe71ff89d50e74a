package durable

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
)

// A retried analyze attempt starts from the heartbeat the last attempt left:
// the readings before it are not scored again, and their results are kept.
func TestAnalyzeResumesFromItsLastHeartbeat(t *testing.T) {
	lines := Generate(43, 60).Lines
	var readings []Cleaned
	for _, l := range lines {
		if c, rej := CleanLine(l); rej == nil {
			readings = append(readings, c)
		}
	}
	stage := StageConfig{}
	want := Expected(lines, stage)

	// The first attempt got through 20 readings before its worker died.
	var done []Result
	for _, c := range readings[:20] {
		r, _ := stage.Score(context.Background(), c)
		done = append(done, r)
	}
	scored := 0
	acts := &Activities{Stage: stage}

	env := quietSuite().NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(func(ctx context.Context, in []Cleaned) (AnalyzeOutput, error) {
		out, err := acts.Analyze(ctx, in)
		scored = len(out.Results) + len(out.Rejects) - out.ResumedAt
		return out, err
	}, activity.RegisterOptions{Name: string(Analyze)})
	env.SetHeartbeatDetails(analyzeProgress{Next: 20, Results: done})

	v, err := env.ExecuteActivity(string(Analyze), readings)
	require.NoError(t, err)
	var out AnalyzeOutput
	require.NoError(t, v.Get(&out))
	assert.Equal(t, 20, out.ResumedAt)
	assert.Equal(t, len(readings)-20, scored, "only the readings after the heartbeat were scored")
	assert.Len(t, out.Results, len(readings))
	byKey := map[string]Result{}
	for _, r := range want.Results {
		byKey[r.Key] = r
	}
	for _, r := range out.Results {
		assert.Equal(t, byKey[r.Key].Level, r.Level, r.Key)
	}
}

// Every implementation follows Pipeline: the message-driven topology is
// derived from it, and a partition workflow runs its activities in its order.
func TestImplementationsFollowThePipeline(t *testing.T) {
	var streams []string
	for _, s := range Pipeline[1:] {
		streams = append(streams, StreamOf(s))
	}
	assert.Equal(t, []string{"WF_CLEAN", "WF_ANALYZE", "WF_STORE"}, streams)

	dir := t.TempDir()
	d := Generate(47, 50)
	src := dir + "/input.csv"
	require.NoError(t, d.WriteFile(src))
	sink, err := OpenSink(dir+"/t.db", 0)
	require.NoError(t, err)
	defer sink.Close()

	env := quietSuite().NewTestWorkflowEnvironment()
	(&Activities{Sink: sink}).Register(env)
	var order []Stage
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		order = append(order, Stage(info.ActivityType.Name))
	})
	env.ExecuteWorkflow(PartitionWorkflow, PartitionInput{Source: src, From: 0, To: 50})
	require.NoError(t, env.GetWorkflowError())
	assert.Equal(t, Pipeline, order)
}

func quietSuite() *testsuite.WorkflowTestSuite {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	return &suite
}
