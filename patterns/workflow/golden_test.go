package workflow_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/patternlab/patternlab/patterns/workflow"
)

// Every implementation, run on the same small input, leaves a store whose
// dump equals its golden file; the three golden files are the same text.

const goldenSeed, goldenRecords = 7, 300

func TestGoldenGoroutines(t *testing.T) {
	f := newFixture(t, goldenSeed, goldenRecords)
	ctx := ctxFor(t, time.Minute)
	sink, err := workflow.OpenSink(f.sinkPath("goroutines"), 0)
	require.NoError(t, err)
	defer sink.Close()
	require.NoError(t, workflow.InProcess{Stage: f.stage}.Run(ctx, f.source, sink))
	snap, err := sink.Snapshot(ctx)
	require.NoError(t, err)
	f.requireInvariant(t, snap)
	golden(t, "goroutines", snap.Dump())
}

func TestGoldenNATS(t *testing.T) {
	f := newFixture(t, goldenSeed, goldenRecords)
	ctx := ctxFor(t, time.Minute)
	url, js := natsFor(t)
	snap := runMessageDriven(t, ctx, f, workflow.MessageDriven{
		URL: url, JS: js, Launch: workflow.Goroutines, Stage: f.stage, Sink: f.sinkPath("nats"),
	}, nil)
	f.requireInvariant(t, snap)
	golden(t, "nats", snap.Dump())
}

// The Temporal implementation runs in the SDK's test environment: the real
// workflows and activities, no server, with time skipping.
func TestGoldenTemporal(t *testing.T) {
	f := newFixture(t, goldenSeed, goldenRecords)
	snap := runInTestEnv(t, f, 3, nil)
	f.requireInvariant(t, snap)
	golden(t, "temporal", snap.Dump())
}

// newTestEnv is the SDK's test environment, quiet: tests report through
// their assertions.
func newTestEnv() *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	return suite.NewTestWorkflowEnvironment()
}

// runInTestEnv runs one batch of the fixture in the SDK's test environment
// with the real activities, and returns the store. setup may mock or add
// callbacks before the run.
func runInTestEnv(t *testing.T, f fixture, partitions int, setup func(*testsuite.TestWorkflowEnvironment, *workflow.Activities)) workflow.Snapshot {
	t.Helper()
	env := newTestEnv()
	sink, err := workflow.OpenSink(f.sinkPath("temporal"), 0)
	require.NoError(t, err)
	defer sink.Close()
	acts := &workflow.Activities{Sink: sink, Stage: f.stage}
	acts.Register(env)
	if setup != nil {
		setup(env, acts)
	}
	env.ExecuteWorkflow(workflow.BatchWorkflow, workflow.BatchInput{
		BatchID: "batch-test", Source: f.source, Lines: len(f.data.Lines),
		Partitions: partitions, HeartbeatTimeout: 2 * time.Second,
	})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	snap, err := sink.Snapshot(ctxFor(t, time.Minute))
	require.NoError(t, err)
	return snap
}
