package durable_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/patterns/workflow/durable"
	"github.com/patternlab/patternlab/patterns/workflow/durable/workflows"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
)

// The invariant every test here attacks: each line of the input is stored
// exactly once (one row for its reading key) or rejected with a reason, and
// the store equals what a plain loop over the input would store.

// --- in the SDK's test environment ----------------------------------------------

// The store activity fails twice (a locked database); Temporal retries it
// with backoff and the batch completes with the expected store.
//
// Fault: failure | target: the store activity, failing twice (a locked database) | invariant: Temporal retries it with backoff and the batch completes with the expected store
func TestFailingActivityIsRetried(t *testing.T) {
	f := pipelinetest.New(t, 29, 300)
	var calls atomic.Int32
	snap := runInTestEnv(t, f, 3, func(env *testsuite.TestWorkflowEnvironment, acts *durable.Activities) {
		env.OnActivity(string(pipeline.Store), mock.Anything, mock.Anything).Return(
			func(ctx context.Context, in workflows.StoreInput) error {
				if calls.Add(1) <= 2 {
					return errors.New("database is locked")
				}
				return acts.Store(ctx, in)
			})
	})
	f.RequireInvariant(t, snap)
	assert.Equal(t, int32(3+2), calls.Load(), "three partitions, two failed attempts retried")
}

// Paused from the start, no partition runs any stage past the one it was
// in; the progress queries say so; after resume the batch completes.
func TestPauseHoldsEveryPartitionUntilResume(t *testing.T) {
	f := pipelinetest.New(t, 31, 300)
	var whilePaused workflows.BatchProgress
	var partitions []workflows.PartitionProgress
	var rowsWhilePaused int
	snap := runInTestEnv(t, f, 3, func(env *testsuite.TestWorkflowEnvironment, acts *durable.Activities) {
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalControl, workflows.CommandPause) }, 0)
		env.RegisterDelayedCallback(func() {
			v, err := env.QueryWorkflow(workflows.QueryProgress)
			require.NoError(t, err)
			require.NoError(t, v.Get(&whilePaused))
			for p := range 3 {
				v, err := env.QueryWorkflowByID(workflows.ChildID("batch-test", p), workflows.QueryProgress)
				require.NoError(t, err)
				var pp workflows.PartitionProgress
				require.NoError(t, v.Get(&pp))
				partitions = append(partitions, pp)
			}
			s, err := acts.Sink.Snapshot(context.Background())
			require.NoError(t, err)
			rowsWhilePaused = len(s.Results) + len(s.Rejects)
			env.SignalWorkflow(workflows.SignalControl, workflows.CommandResume)
		}, time.Hour)
	})
	assert.Equal(t, workflows.BatchProgress{Partitions: 3, Paused: true}, whilePaused)
	for _, pp := range partitions {
		assert.True(t, pp.Held && pp.Paused && !pp.Done, "partition held while paused: %+v", pp)
	}
	assert.Zero(t, rowsWhilePaused, "nothing stored while paused")
	f.RequireInvariant(t, snap)
}

// --- on the real dev server -----------------------------------------------------

// The only worker process is killed with SIGKILL while analyze activities
// run. A new worker replays the histories; the analyze attempt that died is
// retried after its heartbeat timeout, on the new worker (the history says
// so), and resumes from its last heartbeat; the store ends up exactly as
// expected.
//
// Fault: kill-9 | target: the only Temporal worker process, while analyze activities run | invariant: the attempt that died is retried on a new worker from its last heartbeat; the store ends exactly as expected
func TestWorkerKilledMidActivity(t *testing.T) {
	ctx := pipelinetest.Ctx(t, 2*time.Minute)
	tg, c := devServer(t, ctx)
	f := pipelinetest.New(t, 37, 800)
	f.Stage.AnalyzeLatency = 2 * time.Millisecond
	workers := durable.Processes(f.Dir)
	w, err := workers(ctx, "temporal-1", workerSpec(f, tg, "temporal-1", "crash-test"))
	require.NoError(t, err)

	in := workflows.BatchInput{BatchID: "crash-test", Source: f.Source, Lines: len(f.Data.Lines), Partitions: 2, HeartbeatTimeout: time.Second}
	run, err := durable.StartBatch(ctx, c, "crash-test", in)
	require.NoError(t, err)
	killed := awaitCheckpoint(t, ctx, c, in)
	require.NoError(t, w.Kill())
	require.True(t, w.Killed())

	w, err = workers(ctx, "temporal-2", workerSpec(f, tg, "temporal-2", "crash-test"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Stop() })
	var res workflows.BatchResult
	require.NoError(t, run.Get(ctx, &res))
	require.NoError(t, w.Stop())

	events, err := durable.History(ctx, c, workflows.ChildID(in.BatchID, killed))
	require.NoError(t, err)
	var retried []durable.Attempt
	for _, a := range durable.StartedAttempts(events) {
		if a.Activity == string(pipeline.Analyze) && a.Attempt > 1 {
			retried = append(retried, a)
		}
	}
	require.NotEmpty(t, retried, "the history shows the killed attempt retried")
	assert.Equal(t, "temporal-2", retried[len(retried)-1].Worker, "on the new worker")
	assert.Positive(t, res.Partitions[killed].AnalyzeResumedAt, "the retry resumed from the last heartbeat")
	snap, err := pipeline.ReadSnapshot(ctx, f.SinkPath("temporal"))
	require.NoError(t, err)
	f.RequireInvariant(t, snap)
}

// Without retries (-retry=false) the attempt the kill cut short is the
// only one: its partition fails, the batch fails, and the audit names the
// lines that were never stored.
func TestWithoutRetriesAKilledActivityLosesItsPartition(t *testing.T) {
	ctx := pipelinetest.Ctx(t, 2*time.Minute)
	tg, c := devServer(t, ctx)
	f := pipelinetest.New(t, 37, 400)
	f.Stage.AnalyzeLatency = 2 * time.Millisecond
	workers := durable.Processes(f.Dir)
	w, err := workers(ctx, "temporal-1", workerSpec(f, tg, "temporal-1", "no-retry"))
	require.NoError(t, err)
	in := workflows.BatchInput{BatchID: "no-retry", Source: f.Source, Lines: len(f.Data.Lines), Partitions: 2,
		HeartbeatTimeout: time.Second, ActivityAttempts: 1}
	run, err := durable.StartBatch(ctx, c, "no-retry", in)
	require.NoError(t, err)
	awaitCheckpoint(t, ctx, c, in)
	require.NoError(t, w.Kill())
	w, err = workers(ctx, "temporal-2", workerSpec(f, tg, "temporal-2", "no-retry"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Stop() })
	err = run.Get(ctx, nil)
	require.Error(t, err, "the batch fails")
	require.NoError(t, w.Stop())
	snap, err := pipeline.ReadSnapshot(ctx, f.SinkPath("temporal"))
	require.NoError(t, err)
	assert.Contains(t, strings.Join(pipeline.Audit(f.Data.Lines, snap), "; "), "lost: neither stored nor rejected")
}

// awaitCheckpoint waits until an analyze activity of the batch has a
// heartbeat on the server past its first reading, and returns its
// partition.
func awaitCheckpoint(t *testing.T, ctx context.Context, c client.Client, in workflows.BatchInput) int {
	t.Helper()
	part := -1
	require.NoError(t, poll.Until(ctx, 10*time.Millisecond, func() (bool, error) {
		for p := range in.Partitions {
			st, err := durable.DescribePartition(ctx, c, in.BatchID, p)
			if err == nil && st.HasCheckpoint && st.Checkpoint > 0 {
				part = p
				return true, nil
			}
		}
		return false, nil
	}), "an analyze activity heartbeats")
	return part
}

// A pause that reaches a partition in the same workflow task as the
// completion of its running stage must still hold the next stage: "finish
// the running stage, start no other". The workflow worker is stopped while
// clean runs, clean completes, the pause is signalled, and only then does
// a workflow worker come back: it gets the completion and the signal
// together. The history must show nothing scheduled after the pause.
func TestPauseArrivingWithAStageCompletionHoldsTheNextStage(t *testing.T) {
	ctx := pipelinetest.Ctx(t, 2*time.Minute)
	_, c := devServer(t, ctx)
	f := pipelinetest.New(t, 41, 120)
	const queue, id = "pause-race", "pause-race"
	sink, err := pipeline.OpenSink(f.SinkPath("temporal"), pipeline.SinkOptions{})
	require.NoError(t, err)
	defer sink.Close()
	acts := &durable.Activities{Sink: sink, Stage: f.Stage}

	started, release := make(chan struct{}, 1), make(chan struct{})
	activities := worker.New(c, queue, worker.Options{DisableWorkflowWorker: true})
	activities.RegisterActivityWithOptions(acts.Collect, activity.RegisterOptions{Name: string(pipeline.Collect)})
	activities.RegisterActivityWithOptions(func(ctx context.Context, lines []pipeline.Line) (workflows.CleanOutput, error) {
		started <- struct{}{}
		<-release
		return acts.Clean(ctx, lines)
	}, activity.RegisterOptions{Name: string(pipeline.Clean)})
	activities.RegisterActivityWithOptions(acts.Analyze, activity.RegisterOptions{Name: string(pipeline.Analyze)})
	activities.RegisterActivityWithOptions(acts.Store, activity.RegisterOptions{Name: string(pipeline.Store)})
	require.NoError(t, activities.Start())
	defer activities.Stop()
	workflowWorker := func() worker.Worker {
		w := worker.New(c, queue, worker.Options{StickyScheduleToStartTimeout: time.Second})
		w.RegisterWorkflow(workflows.PartitionWorkflow)
		require.NoError(t, w.Start())
		return w
	}

	w := workflowWorker()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, workflows.PartitionWorkflow,
		workflows.PartitionInput{Source: f.Source, From: 0, To: len(f.Data.Lines), HeartbeatTimeout: 2 * time.Second})
	require.NoError(t, err)
	<-started
	w.Stop() // no workflow worker: what happens next waits in the history
	close(release)
	require.NoError(t, poll.Until(ctx, 10*time.Millisecond, func() (bool, error) {
		events, err := durable.History(ctx, c, id)
		for _, e := range events {
			if e.GetEventType() == enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED {
				return true, err
			}
		}
		return false, err
	}), "the server records clean's completion")
	require.NoError(t, c.SignalWorkflow(ctx, id, "", workflows.SignalControl, workflows.CommandPause))

	w = workflowWorker()
	defer w.Stop()
	require.NoError(t, poll.Until(ctx, 20*time.Millisecond, func() (bool, error) {
		v, err := c.QueryWorkflow(ctx, id, "", workflows.QueryProgress)
		if err != nil {
			return false, nil
		}
		var p workflows.PartitionProgress
		if err := v.Get(&p); err != nil {
			return false, err
		}
		if p.Held {
			return true, nil
		}
		events, err := durable.History(ctx, c, id)
		during, _ := durable.ScheduledWhilePaused(events)
		return len(during) > 0, err // scheduled in spite of the pause: no need to wait longer
	}), "the partition holds, or schedules its next stage anyway")
	events, err := durable.History(ctx, c, id)
	require.NoError(t, err)
	during, err := durable.ScheduledWhilePaused(events)
	require.NoError(t, err)
	assert.Empty(t, during, "nothing is scheduled after the pause signal")

	require.NoError(t, c.SignalWorkflow(ctx, id, "", workflows.SignalControl, workflows.CommandResume))
	require.NoError(t, run.Get(ctx, nil))
	if *update { // the replay test replays this history, without a server
		events, err := durable.History(ctx, c, id)
		require.NoError(t, err)
		data, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&historypb.History{Events: events})
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join("workflows", "testdata", "history", "partition-pause-with-completion-v1.json"), data, 0o644))
	}
}

// A store that is slow (a locked table, a busy disk) is slow, not dead: the
// store activity must keep heartbeating while it waits for the database, or
// the server takes it for a dead worker's attempt and retries it, adding to
// the load that made it slow. Here every save takes longer than the
// heartbeat timeout, and the activity has one attempt.
//
// Fault: delay | target: the store activity, every save slower than the heartbeat timeout | invariant: it keeps heartbeating: one attempt, not taken for a dead worker's
func TestSlowStoreIsNotTakenForADeadWorker(t *testing.T) {
	f := pipelinetest.New(t, 43, 120)
	env := newTestEnv()
	env.SetTestTimeout(time.Minute) // the saves are slow in real time, on purpose
	sink, err := pipeline.OpenSink(f.SinkPath("temporal"), pipeline.SinkOptions{Delay: 1500 * time.Millisecond})
	require.NoError(t, err)
	defer sink.Close()
	(&durable.Activities{Sink: sink, Stage: f.Stage}).Register(env)
	// The partition itself: the test environment does not count the
	// heartbeats of activities inside child workflows (see runInTestEnv).
	env.ExecuteWorkflow(workflows.PartitionWorkflow, workflows.PartitionInput{
		Source: f.Source, From: 0, To: len(f.Data.Lines), HeartbeatTimeout: time.Second, ActivityAttempts: 1,
	})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError(), "a save slower than the heartbeat timeout is not a dead worker")
	snap, err := sink.Snapshot(context.Background())
	require.NoError(t, err)
	f.RequireInvariant(t, snap)
}
