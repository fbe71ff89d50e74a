package workflow

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/patterns/workflow/durable"
	"github.com/patternlab/patternlab/patterns/workflow/durable/workflows"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// durable is act 3: the pipeline as a Temporal workflow. Its only worker
// process is killed mid-activity, the batch is paused while no worker
// runs, a new worker replays the histories and answers the progress query,
// and on resume the batch completes. What is checked is read from the
// server's histories.
func (r *run) durable(ctx context.Context) (pipeline.Snapshot, error) {
	r.n.Act("3. durable workflow: Temporal, a workflow per batch, a child workflow per partition")
	tg := r.srv.temporal
	c, err := tg.Dial(ctx)
	if err != nil {
		return pipeline.Snapshot{}, err
	}
	defer c.Close()

	spec := durable.WorkerSpec{Name: "temporal-worker-1", Address: tg.Address, Namespace: tg.Namespace,
		TaskQueue: r.srv.taskQueue, Config: r.stage, Sink: filepath.Join(r.dir, "temporal.db"), SinkOpts: r.cfg.sinkOptions()}
	start := time.Now()
	tw := &temporalWorkers{r: r, ctx: ctx, launch: durable.Processes(r.dir), spec: spec, afterKill: map[string]bool{}}
	first, err := tw.start()
	if err != nil {
		return pipeline.Snapshot{}, err
	}
	defer func() { _ = tw.stop() }()
	r.n.Step("temporal", "started worker process %s on task queue %s", first, spec.TaskQueue)

	in := workflows.BatchInput{BatchID: "sensor-batch-" + r.runID, Source: r.source, Lines: len(r.data.Lines),
		Partitions: r.cfg.FanOut, HeartbeatTimeout: r.cfg.HeartbeatTimeout}
	if !r.cfg.Safeguards.Retry {
		in.ActivityAttempts = 1
		r.n.Step("temporal", "SWITCH -retry=false: every activity gets one attempt, whatever happens to its worker")
	}
	wr, err := durable.StartBatch(ctx, c, spec.TaskQueue, in)
	if err != nil {
		return pipeline.Snapshot{}, err
	}
	r.srv.onClose(func() { r.srv.terminateBatch(r.n, in.BatchID) }) // a batch cut short does not run on without us
	r.n.Step("temporal", "started the batch workflow: %d child workflows, one per partition, each running %s as activities",
		in.Partitions, pipeline.StageList())
	r.n.Measure("temporal", "workflow ID %s", in.BatchID)

	withdraw := tw.offer()
	defer withdraw()
	killed := -1
	if r.cfg.Crash {
		if killed, err = r.crashTemporalWorker(ctx, c, in, tw); err != nil {
			return pipeline.Snapshot{}, err
		}
	}
	var res workflows.BatchResult
	err = wr.Get(ctx, &res)
	withdraw()
	tw.check()
	if err != nil {
		if ctx.Err() != nil {
			return pipeline.Snapshot{}, fmt.Errorf("batch %s: %w", in.BatchID, err)
		}
		// The batch itself failed: what it stored is audited like any store.
		r.n.Step("temporal", "the batch failed: %v", rootCause(err))
	}
	took := time.Since(start)
	if killed >= 0 {
		if err := r.checkRecovery(ctx, c, in, res, killed, tw.startedAfterKill()); err != nil {
			return pipeline.Snapshot{}, err
		}
	}
	if err := tw.stop(); err != nil {
		return pipeline.Snapshot{}, err
	}
	snap, err := pipeline.ReadSnapshot(ctx, spec.Sink)
	if err != nil {
		return pipeline.Snapshot{}, err
	}
	r.report("temporal", snap, took)
	return snap, nil
}

// crashTemporalWorker kills the worker as soon as an analyze activity has a
// checkpoint on the server (its first heartbeat), which leaves it most of
// its partition still to do, pauses the batch while no worker runs, starts
// a new worker, shows the pause held, and resumes. It returns the new
// worker and the partition whose analyze was cut short.
func (r *run) crashTemporalWorker(ctx context.Context, c client.Client, in workflows.BatchInput, tw *temporalWorkers) (int, error) {
	kill := r.n.Plan("chaos", "SIGKILL "+tw.current()+" while analyze activities run")
	part, next := -1, 0
	err := poll.Until(ctx, 20*time.Millisecond, func() (bool, error) {
		for p := range in.Partitions {
			st, err := durable.DescribePartition(ctx, c, in.BatchID, p)
			if durable.NotStarted(err) {
				continue // the child has not started yet
			}
			if err != nil {
				return false, err
			}
			if st.HasCheckpoint && st.Checkpoint > 0 {
				part, next = p, st.Checkpoint
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return -1, fmt.Errorf("waiting for an analyze heartbeat: %w", err)
	}
	// No kill on request comes between this kill and the next worker's start.
	tw.mu.Lock()
	name, w := tw.name, tw.w
	if w == nil { // a kill on request could not start the next worker
		tw.mu.Unlock()
		return -1, fmt.Errorf("no worker process is running to kill (the last start failed)")
	}
	if err := w.Kill(); err != nil {
		tw.mu.Unlock()
		return -1, err
	}
	if !w.Killed() {
		tw.mu.Unlock()
		return -1, fmt.Errorf("%s ended, but not of SIGKILL", name)
	}
	kill.Fire("SIGKILL %s while analyze activities run: no worker is left", name)
	r.n.Measure("chaos", "%s (pid %d) died; partition %d's analyze had checkpointed %d readings by heartbeat", name, w.PID(), part, next)

	if err := durable.ControlAll(ctx, c, in.BatchID, in.Partitions, workflows.CommandPause); err != nil {
		tw.mu.Unlock()
		return -1, err
	}
	r.n.Step("operator", "signal %q to the batch and its partitions: the server records it in their histories, though no worker runs", workflows.CommandPause)

	tw.scheduledKill = true
	name, err = tw.startLocked()
	tw.mu.Unlock()
	if err != nil {
		return -1, err
	}
	r.n.Step("temporal", "started %s: it rebuilds every workflow by replaying its event history", name)

	var prog workflows.BatchProgress
	err = poll.Until(ctx, 50*time.Millisecond, func() (bool, error) {
		var err error
		prog, err = durable.Progress(ctx, c, in.BatchID)
		return err == nil && prog.Paused, nil
	})
	if err != nil {
		return -1, fmt.Errorf("waiting for the progress query to show the pause: %w", err)
	}
	r.n.Step("temporal", "progress query, answered by %s from the replayed state: paused, %d partitions", tw.current(), prog.Partitions)

	held := map[pipeline.Stage]int{}
	closed := 0
	err = poll.Until(ctx, 50*time.Millisecond, func() (bool, error) {
		clear(held)
		closed = 0
		for p := range in.Partitions {
			st, err := durable.DescribePartition(ctx, c, in.BatchID, p)
			if err != nil {
				return false, nil // not started yet, or the server is busy: ask again
			}
			if !st.Running {
				closed++
				continue
			}
			q, err := durable.PartitionState(ctx, c, in.BatchID, p)
			if err != nil || !q.Held || st.Pending > 0 {
				return false, nil // the child may not have taken the signal yet
			}
			held[q.Stage]++
		}
		return true, nil
	})
	if err != nil {
		return -1, fmt.Errorf("waiting for every partition to hold: %w", err)
	}
	r.n.Step("temporal", "every partition stopped at a stage boundary or closed; nothing is scheduled while paused")
	r.n.Measure("temporal", "while paused: %d partitions closed, %d held before store, %d before analyze, %d before clean, %d before collect",
		closed, held[pipeline.Store], held[pipeline.Analyze], held[pipeline.Clean], held[pipeline.Collect])

	switch err := durable.Control(ctx, c, in.BatchID, workflows.CommandResume); {
	case durable.NotStarted(err): // the server answers NotFound for a closed workflow
		r.n.Step("operator", "signal %q: the batch has closed already, every partition with it", workflows.CommandResume)
	case err != nil:
		return -1, err
	default:
		r.n.Step("operator", "signal %q: every partition goes on from where it stopped", workflows.CommandResume)
	}
	return part, nil
}

// checkRecovery reads the partitions' histories from the server: no
// activity was scheduled while the batch was paused, and the analyze
// activity the kill cut short was retried on the new worker, from its last
// heartbeat.
func (r *run) checkRecovery(ctx context.Context, c client.Client, in workflows.BatchInput, res workflows.BatchResult, killed int, after []string) error {
	var scheduledWhilePaused []string
	var retried *durable.Attempt
	for p := range in.Partitions {
		events, err := durable.History(ctx, c, workflows.ChildID(in.BatchID, p))
		if err != nil {
			return err
		}
		during, err := durable.ScheduledWhilePaused(events)
		if err != nil {
			return err
		}
		for _, a := range during {
			scheduledWhilePaused = append(scheduledWhilePaused, fmt.Sprintf("partition %d: %s", p, a))
		}
		if p != killed {
			continue
		}
		for _, a := range durable.StartedAttempts(events) {
			if a.Activity == string(pipeline.Analyze) && a.Attempt > 1 {
				retried = &a
			}
		}
	}
	r.n.Check("pause-held", len(scheduledWhilePaused) == 0,
		"no partition's history shows an activity scheduled between the pause and the resume%s", list(scheduledWhilePaused))
	resumedAt := 0
	if killed < len(res.Partitions) {
		resumedAt = res.Partitions[killed].AnalyzeResumedAt
	}
	ok := retried != nil && slices.Contains(after, retried.Worker) && resumedAt > 0
	r.n.Check("resumed-from-heartbeat", ok,
		"the history shows the killed analyze activity retried on %s, and it resumed from its last heartbeat, not from the first reading", strings.Join(after, " or "))
	if retried != nil {
		r.n.Measure("temporal", "partition %d: analyze attempt %d, on %s, resumed at reading %d", killed, retried.Attempt, retried.Worker, resumedAt)
	}
	return nil
}

// rootCause is the innermost error of a chain: for a failed batch, what
// failed at the bottom of its children and activities.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

func list(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return " (" + fmt.Sprint(slices.Compact(s)) + ")"
}
