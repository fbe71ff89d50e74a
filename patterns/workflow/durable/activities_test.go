package durable

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/patternlab/patternlab/patterns/workflow/durable/workflows"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// A retried analyze attempt starts from the heartbeat the last attempt left:
// the readings before it are not scored again, and their results are kept.
func TestAnalyzeResumesFromItsLastHeartbeat(t *testing.T) {
	lines := pipeline.Generate(43, 60).Lines
	var readings []pipeline.Cleaned
	for _, l := range lines {
		if c, rej := pipeline.CleanLine(l); rej == nil {
			readings = append(readings, c)
		}
	}
	stage := pipeline.StageConfig{}
	want := pipeline.Expected(lines, stage)

	// The first attempt got through 20 readings before its worker died.
	var done []pipeline.Result
	for _, c := range readings[:20] {
		r, _ := stage.Score(context.Background(), c)
		done = append(done, r)
	}
	scored := 0
	acts := &Activities{Stage: stage}

	env := quietSuite().NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(func(ctx context.Context, in []pipeline.Cleaned) (workflows.AnalyzeOutput, error) {
		out, err := acts.Analyze(ctx, in)
		scored = len(out.Results) + len(out.Rejects) - out.ResumedAt
		return out, err
	}, activity.RegisterOptions{Name: string(pipeline.Analyze)})
	env.SetHeartbeatDetails(AnalyzeProgress{Next: 20, Results: done})

	v, err := env.ExecuteActivity(string(pipeline.Analyze), readings)
	require.NoError(t, err)
	var out workflows.AnalyzeOutput
	require.NoError(t, v.Get(&out))
	assert.Equal(t, 20, out.ResumedAt)
	assert.Equal(t, len(readings)-20, scored, "only the readings after the heartbeat were scored")
	assert.Len(t, out.Results, len(readings))
	byKey := map[string]pipeline.Result{}
	for _, r := range want.Results {
		byKey[r.Key] = r
	}
	for _, r := range out.Results {
		assert.Equal(t, byKey[r.Key].Level, r.Level, r.Key)
	}
}

func quietSuite() *testsuite.WorkflowTestSuite {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	return &suite
}
