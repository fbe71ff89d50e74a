package workflows_test

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/workflow/durable"
	"github.com/patternlab/patternlab/patterns/workflow/durable/workflows"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
)

var update = flag.Bool("update", false, "re-record the current version's histories in testdata/history (needs TEMPORAL_CLI)")

// Histories recorded from real runs (with a pause and a resume) are
// replayed against today's workflow code. A change that would make a
// running batch take a different path on replay, a non-deterministic
// change, fails here before it can strand batches in production. The -v0
// histories were recorded before the control signals moved into the main
// coroutine: they replay on the legacy path workflow.GetVersion keeps for
// them. The -v1 ones are today's; record them again with -update when a
// change is meant to be incompatible, and version it with GetVersion if
// batches may be running. partition-pause-with-completion-v1.json is the
// history in which the legacy code started a stage in spite of a pause
// (recorded by durable's TestPauseArrivingWithAStageCompletionHoldsTheNextStage
// with -update): today's code must replay it, holding.
var histories = []string{"batch-v0.json", "partition-0-v0.json", "batch-v1.json", "partition-0-v1.json",
	"partition-pause-with-completion-v1.json"}

func TestReplaySavedHistories(t *testing.T) {
	if *update {
		recordHistories(t)
	}
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflow(workflows.BatchWorkflow)
	replayer.RegisterWorkflow(workflows.PartitionWorkflow)
	for _, name := range histories {
		t.Run(name, func(t *testing.T) {
			err := replayer.ReplayWorkflowHistoryFromJSONFile(log.NewStructuredLogger(slog.New(slog.DiscardHandler)), filepath.Join("testdata", "history", name))
			require.NoError(t, err, "the workflow code no longer replays %s", name)
		})
	}
}

// recordHistories runs a small batch on a dev server, pausing it at once and
// resuming it when every partition holds, and saves the histories.
func recordHistories(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	f := pipelinetest.New(t, 41, 120)
	ctx := pipelinetest.Ctx(t, time.Minute)
	tg, err := temporaldev.FromEnv(ctx, temporaldev.Options{})
	require.NoError(t, err)
	defer tg.Close()
	c, err := tg.Dial(ctx)
	require.NoError(t, err)
	defer c.Close()
	const queue = "recorder"
	w, err := durable.Goroutines()(ctx, "recorder", durable.WorkerSpec{Name: "recorder", Address: tg.Address, Namespace: tg.Namespace,
		TaskQueue: queue, Config: f.Stage, Sink: f.SinkPath("temporal")})
	require.NoError(t, err)
	defer w.Stop() //nolint:errcheck

	in := workflows.BatchInput{BatchID: "sensor-batch-recorded", Source: f.Source, Lines: len(f.Data.Lines), Partitions: 2, HeartbeatTimeout: 2 * time.Second}
	run, err := durable.StartBatch(ctx, c, queue, in)
	require.NoError(t, err)
	require.NoError(t, durable.Control(ctx, c, in.BatchID, workflows.CommandPause))
	require.NoError(t, poll.Until(ctx, 20*time.Millisecond, func() (bool, error) {
		for p := range in.Partitions {
			st, err := durable.PartitionState(ctx, c, in.BatchID, p)
			if err != nil || !st.Held {
				return false, nil
			}
		}
		return true, nil
	}), "every partition holds")
	require.NoError(t, durable.Control(ctx, c, in.BatchID, workflows.CommandResume))
	require.NoError(t, run.Get(ctx, nil))

	save(t, ctx, c, in.BatchID, "batch-v1.json")
	save(t, ctx, c, workflows.ChildID(in.BatchID, 0), "partition-0-v1.json")
}

func save(t *testing.T, ctx context.Context, c client.Client, id, name string) {
	t.Helper()
	events, err := durable.History(ctx, c, id)
	require.NoError(t, err)
	data, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&historypb.History{Events: events})
	require.NoError(t, err)
	path := filepath.Join("testdata", "history", name)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

// A partition runs its activities in pipeline.Stages order.
func TestPartitionFollowsTheStages(t *testing.T) {
	f := pipelinetest.New(t, 47, 50)
	sink, err := pipeline.OpenSink(f.SinkPath("t"), pipeline.SinkOptions{})
	require.NoError(t, err)
	defer sink.Close()

	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	(&durable.Activities{Sink: sink}).Register(env)
	var order []pipeline.Stage
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		order = append(order, pipeline.Stage(info.ActivityType.Name))
	})
	env.ExecuteWorkflow(workflows.PartitionWorkflow, workflows.PartitionInput{Source: f.Source, From: 0, To: 50})
	require.NoError(t, env.GetWorkflowError())
	assert.Equal(t, pipeline.Stages, order)
}
