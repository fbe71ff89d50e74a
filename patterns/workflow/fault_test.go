package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/workflow"
)

// The invariant every test here attacks: each line of the input is stored
// exactly once (one row for its reading key) or rejected with a reason, and
// the store equals what a plain loop over the input would store.

// --- in-process Go -----------------------------------------------------------

// A slow store fills the channels behind it and then blocks the collector:
// lines in flight never exceed the bound the buffers set, and nothing is lost.
func TestInProcessSlowStoreBackpressure(t *testing.T) {
	f := newFixture(t, 11, 2000)
	ctx := ctxFor(t, time.Minute)
	sink, err := workflow.OpenSink(f.sinkPath("slow"), 2*time.Millisecond)
	require.NoError(t, err)
	defer sink.Close()
	probe := &workflow.Probe{}
	p := workflow.InProcess{Buffer: 8, FanOut: 2, Batch: 16, Stage: f.stage, Probe: probe}

	require.NoError(t, p.Run(ctx, f.source, sink))

	assert.LessOrEqual(t, probe.Peak(), p.MaxInFlight(), "in flight stays within the buffers")
	assert.Greater(t, probe.Peak(), 3*8, "the channels filled up: the collector was held back")
	snap, err := sink.Snapshot(ctx)
	require.NoError(t, err)
	f.requireInvariant(t, snap)
}

// A reading the scoring service always fails on is tried MaxAttempts times
// and rejected with the reason; it does not stop the rest.
func TestInProcessPoisonReadingIsRejectedWithReason(t *testing.T) {
	f := newFixture(t, 5, 400)
	ctx := ctxFor(t, time.Minute)
	sink, err := workflow.OpenSink(f.sinkPath("poison"), 0)
	require.NoError(t, err)
	defer sink.Close()
	require.NoError(t, workflow.InProcess{Stage: f.stage}.Run(ctx, f.source, sink))
	snap, err := sink.Snapshot(ctx)
	require.NoError(t, err)
	f.requireInvariant(t, snap)
	poison := f.stage.PoisonKeys[0]
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
func TestInProcessStageFailureStopsEveryGoroutine(t *testing.T) {
	f := newFixture(t, 5, 2000)
	sink, err := workflow.OpenSink(f.sinkPath("closed"), 0)
	require.NoError(t, err)
	require.NoError(t, sink.Close())
	err = workflow.InProcess{Stage: f.stage}.Run(ctxFor(t, time.Minute), f.source, sink)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "save")
}

// --- message-driven ------------------------------------------------------------

// A worker process killed with SIGKILL in the middle of its stage loses
// nothing: what it held unacknowledged is redelivered after AckWait, the
// outputs it had already published are dropped by Msg-Id, and the sink
// absorbs what it had already written.
func TestMessageDrivenWorkerKilledMidStage(t *testing.T) {
	for _, c := range []struct {
		victim string
		stage  workflow.Stage
		tune   func(*workflow.StageConfig)
	}{
		{"analyze-1", workflow.Analyze, func(s *workflow.StageConfig) { s.AnalyzeLatency = time.Millisecond }},
		{"store-1", workflow.Store, func(s *workflow.StageConfig) { s.StoreDelay = 10 * time.Millisecond }},
	} {
		t.Run(c.victim, func(t *testing.T) {
			f := newFixture(t, 13, 800)
			ctx := ctxFor(t, 2*time.Minute)
			url, js := natsFor(t)
			c.tune(&f.stage)
			m := workflow.MessageDriven{
				URL: url, JS: js, Launch: workflow.Processes(f.dir), Stage: f.stage, Sink: f.sinkPath("nats"),
				Topology: workflow.Topology{AckWait: 500 * time.Millisecond}, Batch: 16,
			}
			snap := runMessageDriven(t, ctx, f, m, func(mr *workflow.MessageRun) {
				waitAcked(t, ctx, mr, c.stage, 150)
				require.NoError(t, mr.Kill(c.victim))
				info, err := mr.ConsumerInfo(ctx, c.stage)
				require.NoError(t, err)
				require.Positive(t, info.NumPending+uint64(info.NumAckPending), "killed mid-stage: work was left")
				require.NoError(t, mr.Restart(ctx, c.victim))
			})
			f.requireInvariant(t, snap)
		})
	}
}

func waitAcked(t *testing.T, ctx context.Context, mr *workflow.MessageRun, s workflow.Stage, n uint64) {
	t.Helper()
	require.Eventually(t, func() bool {
		info, err := mr.ConsumerInfo(ctx, s)
		return err == nil && info.AckFloor.Consumer >= n
	}, time.Minute, 2*time.Millisecond, "stage %s acknowledges %d messages", s, n)
}

// A result delivered twice to the store, under a new Msg-Id so that the
// stream cannot drop it, is absorbed by the upsert: one row per reading. The
// same Msg-Id again is dropped by the stream itself.
func TestMessageDrivenDuplicateDelivery(t *testing.T) {
	f := newFixture(t, 17, 300)
	ctx := ctxFor(t, time.Minute)
	url, js := natsFor(t)
	m := workflow.MessageDriven{URL: url, JS: js, Launch: workflow.Goroutines, Stage: f.stage, Sink: f.sinkPath("nats")}
	snap := runMessageDriven(t, ctx, f, m, func(mr *workflow.MessageRun) {
		require.NoError(t, mr.Wait(ctx))
		for i, r := range f.want.Results {
			data, err := json.Marshal(r)
			require.NoError(t, err)
			msg := nats.NewMsg(workflow.SubjectOf(workflow.Store))
			msg.Data = data
			msg.Header.Set(workflow.HeaderLineID, r.LineID)
			ack, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(fmt.Sprintf("replay/%d", i)))
			require.NoError(t, err)
			require.False(t, ack.Duplicate)
			if i == 0 {
				again, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID("replay/0"))
				require.NoError(t, err)
				assert.True(t, again.Duplicate, "the stream drops a second message with the same Msg-Id")
			}
		}
	})
	f.requireInvariant(t, snap)
	assert.GreaterOrEqual(t, snap.Repeats(), len(f.want.Results), "every replayed result was absorbed by an upsert")
}

// The poison reading is delivered MaxAttempts times, then goes to the
// dead-letter subject with the reason in its headers, and the store records
// the rejection.
func TestMessageDrivenPoisonReadingIsDeadLettered(t *testing.T) {
	f := newFixture(t, 19, 300)
	ctx := ctxFor(t, time.Minute)
	url, js := natsFor(t)
	m := workflow.MessageDriven{URL: url, JS: js, Launch: workflow.Goroutines, Stage: f.stage, Sink: f.sinkPath("nats")}
	snap := runMessageDriven(t, ctx, f, m, nil)
	f.requireInvariant(t, snap)

	poison := f.stage.PoisonKeys[0]
	cons, err := js.OrderedConsumer(ctx, workflow.DeadLetterStream, jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	batch, err := cons.Fetch(len(f.want.Rejects), jetstream.FetchMaxWait(5*time.Second))
	require.NoError(t, err)
	var found []jetstream.Msg
	total := 0
	for msg := range batch.Messages() {
		total++
		assert.NotEmpty(t, msg.Headers().Get(workflow.HeaderReason), "every dead letter says why")
		if msg.Headers().Get(workflow.HeaderStage) == string(workflow.Analyze) {
			found = append(found, msg)
		}
	}
	assert.Equal(t, len(f.want.Rejects), total, "one dead letter per rejected line")
	require.Len(t, found, 1)
	assert.Equal(t, "analyze: gave up after 3 attempts: scoring service failed on "+poison, found[0].Headers().Get(workflow.HeaderReason))
	assert.Equal(t, "gave-up", found[0].Headers().Get(workflow.HeaderKind))
}

// A slow store: JetStream stops delivering to it at MaxAckPending, and the
// backlog waits in the stream (on disk) instead of in the worker's memory.
func TestMessageDrivenSlowStoreBackpressure(t *testing.T) {
	f := newFixture(t, 23, 1500)
	ctx := ctxFor(t, 2*time.Minute)
	url, js := natsFor(t)
	const maxAckPending = 16
	f.stage.StoreDelay = 5 * time.Millisecond
	m := workflow.MessageDriven{
		URL: url, JS: js, Launch: workflow.Goroutines, Stage: f.stage, Sink: f.sinkPath("nats"),
		Topology: workflow.Topology{MaxAckPending: maxAckPending}, Batch: 8,
	}
	snap := runMessageDriven(t, ctx, f, m, func(mr *workflow.MessageRun) {
		st, err := js.Stream(ctx, workflow.StreamOf(workflow.Store))
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			info, err := mr.ConsumerInfo(ctx, workflow.Store)
			require.NoError(t, err)
			require.LessOrEqual(t, info.NumAckPending, maxAckPending, "the store never holds more than MaxAckPending")
			sinfo, err := st.Info(ctx)
			require.NoError(t, err)
			return sinfo.State.Msgs > 4*maxAckPending
		}, time.Minute, 5*time.Millisecond, "a backlog builds up in the stream, not in the worker")
	})
	f.requireInvariant(t, snap)
}

// --- Temporal, in the SDK's test environment -----------------------------------

// The store activity fails twice (a locked database); Temporal retries it
// with backoff and the batch completes with the expected store.
func TestTemporalFailingActivityIsRetried(t *testing.T) {
	f := newFixture(t, 29, 300)
	var calls atomic.Int32
	snap := runInTestEnv(t, f, 3, func(env *testsuite.TestWorkflowEnvironment, acts *workflow.Activities) {
		env.OnActivity(string(workflow.Store), mock.Anything, mock.Anything).Return(
			func(ctx context.Context, in workflow.StoreInput) error {
				if calls.Add(1) <= 2 {
					return errors.New("database is locked")
				}
				return acts.Store(ctx, in)
			})
	})
	f.requireInvariant(t, snap)
	assert.Equal(t, int32(3+2), calls.Load(), "three partitions, two failed attempts retried")
}

// Paused from the start, no partition runs any stage; the progress queries
// say so; after resume the batch completes.
func TestTemporalPauseHoldsEveryPartitionUntilResume(t *testing.T) {
	f := newFixture(t, 31, 300)
	var whilePaused workflow.BatchProgress
	var partitions []workflow.PartitionProgress
	var rowsWhilePaused int
	snap := runInTestEnv(t, f, 3, func(env *testsuite.TestWorkflowEnvironment, acts *workflow.Activities) {
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflow.SignalControl, workflow.CommandPause) }, 0)
		env.RegisterDelayedCallback(func() {
			v, err := env.QueryWorkflow(workflow.QueryProgress)
			require.NoError(t, err)
			require.NoError(t, v.Get(&whilePaused))
			for p := range 3 {
				v, err := env.QueryWorkflowByID(workflow.ChildID("batch-test", p), workflow.QueryProgress)
				require.NoError(t, err)
				var pp workflow.PartitionProgress
				require.NoError(t, v.Get(&pp))
				partitions = append(partitions, pp)
			}
			s, err := acts.Sink.Snapshot(context.Background())
			require.NoError(t, err)
			rowsWhilePaused = len(s.Results) + len(s.Rejects)
			env.SignalWorkflow(workflow.SignalControl, workflow.CommandResume)
		}, time.Hour)
	})
	assert.Equal(t, workflow.BatchProgress{Partitions: 3, Paused: true}, whilePaused)
	for _, pp := range partitions {
		assert.True(t, pp.Held && pp.Paused && !pp.Done, "partition held while paused: %+v", pp)
	}
	assert.Zero(t, rowsWhilePaused, "nothing stored while paused")
	f.requireInvariant(t, snap)
}

// --- Temporal, on the real dev server -------------------------------------------

// The only worker process is killed with SIGKILL while analyze activities
// run. A new worker replays the histories; the analyze attempt that died is
// retried after its heartbeat timeout and resumes from its last heartbeat;
// the store ends up exactly as expected.
func TestTemporalWorkerKilledMidActivity(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	f := newFixture(t, 37, 800)
	f.stage.AnalyzeLatency = 2 * time.Millisecond
	ctx := ctxFor(t, 2*time.Minute)
	tg, err := temporaldev.FromEnv(ctx, temporaldev.Options{})
	require.NoError(t, err)
	t.Cleanup(tg.Close)
	c, err := tg.Dial(ctx)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	spec := workflow.WorkerSpec{Name: "temporal-1", Engine: workflow.EngineTemporal, Config: f.stage,
		Sink: f.sinkPath("temporal"), TemporalAddress: tg.Address, TemporalNamespace: tg.Namespace}
	launch := workflow.Processes(f.dir)
	w, err := launch(ctx, spec)
	require.NoError(t, err)

	in := workflow.BatchInput{BatchID: "crash-test", Source: f.source, Lines: len(f.data.Lines), Partitions: 2, HeartbeatTimeout: time.Second}
	run, err := workflow.StartBatch(ctx, c, in)
	require.NoError(t, err)
	killed := -1
	require.Eventually(t, func() bool {
		for p := range in.Partitions {
			if next, ok, err := workflow.AnalyzeCheckpoint(ctx, c, in.BatchID, p); err == nil && ok && next > 0 {
				killed = p
				return true
			}
		}
		return false
	}, time.Minute, 10*time.Millisecond, "an analyze activity heartbeats")
	require.NoError(t, w.Kill())

	spec.Name = "temporal-2"
	w, err = launch(ctx, spec)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Stop() })
	var res workflow.BatchResult
	require.NoError(t, run.Get(ctx, &res))
	require.NoError(t, w.Stop())

	p := res.Partitions[killed]
	assert.Greater(t, p.AnalyzeAttempt, int32(1), "the killed attempt was retried")
	assert.Positive(t, p.AnalyzeResumedAt, "the retry resumed from the last heartbeat")
	snap, err := workflow.ReadSnapshot(ctx, spec.Sink)
	require.NoError(t, err)
	f.requireInvariant(t, snap)
}
