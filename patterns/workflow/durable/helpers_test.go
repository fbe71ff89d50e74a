package durable_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/workflow/durable"
	"github.com/patternlab/patternlab/patterns/workflow/durable/workflows"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
)

// newTestEnv is the SDK's test environment, quiet: tests report through
// their assertions.
func newTestEnv() *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	return suite.NewTestWorkflowEnvironment()
}

// testEnvHeartbeatTimeout is the heartbeat timeout of the batches the SDK's
// test environment runs. It checks heartbeat timeouts in real time, but
// does not count the heartbeats of activities inside child workflows (a
// partition's store that heartbeats every 800ms still times out after 1s
// there; run as a workflow of its own it does not): so in a batch, any
// heartbeat timeout is a deadline every activity must meet, and under load a
// save of 100 rows once took longer than 2s (TestFailingActivityIsRetried,
// flake-hunt run 10). A minute is one no activity here comes near; the
// dev-server tests check heartbeats for real.
const testEnvHeartbeatTimeout = time.Minute

// runInTestEnv runs one batch of the fixture in the SDK's test environment
// with the real activities, and returns the store. setup may mock or add
// callbacks before the run.
func runInTestEnv(t *testing.T, f pipelinetest.Fixture, partitions int, setup func(*testsuite.TestWorkflowEnvironment, *durable.Activities)) pipeline.Snapshot {
	t.Helper()
	env := newTestEnv()
	sink, err := pipeline.OpenSink(f.SinkPath("temporal"), pipeline.SinkOptions{})
	require.NoError(t, err)
	defer sink.Close()
	acts := &durable.Activities{Sink: sink, Stage: f.Stage}
	acts.Register(env)
	if setup != nil {
		setup(env, acts)
	}
	env.ExecuteWorkflow(workflows.BatchWorkflow, workflows.BatchInput{
		BatchID: "batch-test", Source: f.Source, Lines: len(f.Data.Lines),
		Partitions: partitions, HeartbeatTimeout: testEnvHeartbeatTimeout,
	})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	snap, err := sink.Snapshot(pipelinetest.Ctx(t, time.Minute))
	require.NoError(t, err)
	return snap
}

// devServer starts a Temporal dev server for the test (it needs
// TEMPORAL_CLI) and returns a client to it.
func devServer(t *testing.T, ctx context.Context) (*temporaldev.Target, client.Client) {
	t.Helper()
	labtest.RequireTemporalCLI(t)
	tg, err := temporaldev.FromEnv(ctx, temporaldev.Options{})
	require.NoError(t, err)
	t.Cleanup(tg.Close)
	c, err := tg.Dial(ctx)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return tg, c
}

// workerSpec is a worker process for the fixture on that server.
func workerSpec(f pipelinetest.Fixture, tg *temporaldev.Target, name, queue string) durable.WorkerSpec {
	return durable.WorkerSpec{Name: name, Address: tg.Address, Namespace: tg.Namespace, TaskQueue: queue,
		Config: f.Stage, Sink: f.SinkPath("temporal")}
}
