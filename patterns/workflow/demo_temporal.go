package workflow

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

// durable is act 3: the pipeline as a Temporal workflow. Its only worker is
// killed mid-activity, the batch is paused while no worker runs, a new worker
// replays the histories and answers the progress query, and on resume the
// batch completes.
func (r *run) durable(ctx context.Context) (Snapshot, error) {
	r.n.Act("3. durable workflow: Temporal, a workflow per batch, a child workflow per partition")
	tg, err := temporaldev.FromEnv(ctx, temporaldev.Options{UI: true})
	if err != nil {
		return Snapshot{}, err
	}
	defer tg.Close()
	r.n.Measure("temporal", "%s", tg.Describe())
	c, err := tg.Dial(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	defer c.Close()

	spec := WorkerSpec{Name: "temporal-worker-1", Engine: EngineTemporal, Config: r.stage,
		Sink: filepath.Join(r.dir, "temporal.db"), TemporalAddress: tg.Address, TemporalNamespace: tg.Namespace}
	launch := Processes(r.dir)
	start := time.Now()
	w, err := launch(ctx, spec)
	if err != nil {
		return Snapshot{}, err
	}
	defer func() { _ = w.Stop() }()
	r.n.Step("temporal", "started worker process %s on task queue %s", spec.Name, TaskQueue)

	in := BatchInput{BatchID: "sensor-batch-" + r.runID, Source: r.source, Lines: len(r.data.Lines),
		Partitions: r.cfg.FanOut, HeartbeatTimeout: r.cfg.HeartbeatTimeout}
	wr, err := StartBatch(ctx, c, in)
	if err != nil {
		return Snapshot{}, err
	}
	r.n.Step("temporal", "started the batch workflow: %d child workflows, one per partition, each running %s as activities",
		in.Partitions, stageList())
	r.n.Measure("temporal", "workflow ID %s", in.BatchID)

	killedPartition := -1
	if r.cfg.Crash {
		if w, killedPartition, err = r.crashTemporalWorker(ctx, c, in, w, launch, spec); err != nil {
			return Snapshot{}, err
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var res BatchResult
	if err := wr.Get(wctx, &res); err != nil {
		return Snapshot{}, fmt.Errorf("batch %s: %w", in.BatchID, err)
	}
	took := time.Since(start)
	for _, p := range res.Partitions {
		if p.AnalyzeAttempt > 1 {
			r.n.Measure("temporal", "partition %d: analyze attempt %d resumed at reading %d", p.Partition, p.AnalyzeAttempt, p.AnalyzeResumedAt)
		}
	}
	if killedPartition >= 0 {
		p := res.Partitions[killedPartition]
		r.n.Check("resumed-from-heartbeat", p.AnalyzeAttempt > 1 && p.AnalyzeResumedAt > 0,
			"the killed analyze activity was retried on the new worker from its last heartbeat, not from the first reading")
	}
	if err := w.Stop(); err != nil {
		return Snapshot{}, err
	}
	snap, err := ReadSnapshot(ctx, spec.Sink)
	if err != nil {
		return Snapshot{}, err
	}
	r.report("temporal", snap, took)
	return snap, nil
}

// crashTemporalWorker kills the worker as soon as an analyze activity has a
// checkpoint on the server (its first heartbeat), which leaves it most of its
// partition still to do, pauses the batch while no worker
// runs, starts a new worker, shows the pause held, and resumes. It returns
// the new worker and the partition whose analyze was cut short.
func (r *run) crashTemporalWorker(ctx context.Context, c client.Client, in BatchInput, w Worker, launch Launcher, spec WorkerSpec) (Worker, int, error) {
	part, next := -1, 0
	err := poll.Within(ctx, time.Minute, 20*time.Millisecond, func() (bool, error) {
		for p := range in.Partitions {
			n, ok, err := AnalyzeCheckpoint(ctx, c, in.BatchID, p)
			if _, notYet := errors.AsType[*serviceerror.NotFound](err); notYet {
				continue // the child has not started yet
			}
			if err != nil {
				return false, err
			}
			if ok && n > 0 {
				part, next = p, n
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return w, -1, fmt.Errorf("waiting for an analyze heartbeat: %w", err)
	}
	pid := 0
	if p, ok := w.(*Process); ok {
		pid = p.PID()
	}
	if err := w.Kill(); err != nil {
		return w, -1, err
	}
	r.n.Fault("chaos", "SIGKILL %s while analyze activities run: no worker is left", spec.Name)
	r.n.Measure("chaos", "%s (pid %d) died; partition %d's analyze had checkpointed %d readings by heartbeat", spec.Name, pid, part, next)

	if err := Control(ctx, c, in.BatchID, CommandPause); err != nil {
		return w, -1, err
	}
	r.n.Step("operator", "signal %q to the batch: the server records it in the history, though no worker runs", CommandPause)

	spec.Name = "temporal-worker-2"
	w, err = launch(ctx, spec)
	if err != nil {
		return nil, -1, err
	}
	r.n.Step("temporal", "started %s: it rebuilds every workflow by replaying its event history", spec.Name)

	var prog BatchProgress
	err = poll.Within(ctx, time.Minute, 50*time.Millisecond, func() (bool, error) {
		var err error
		prog, err = Progress(ctx, c, in.BatchID)
		return err == nil && prog.Paused, nil
	})
	if err != nil {
		return w, -1, fmt.Errorf("waiting for the progress query to show the pause: %w", err)
	}
	r.n.Step("temporal", "progress query, answered by %s from the replayed state: paused, %d partitions", spec.Name, prog.Partitions)

	held := map[Stage]int{}
	done := 0
	err = poll.Within(ctx, time.Minute, 50*time.Millisecond, func() (bool, error) {
		clear(held)
		done = 0
		for p := range in.Partitions {
			st, err := PartitionState(ctx, c, in.BatchID, p)
			if err != nil {
				return false, nil // the child may not have taken the signal yet
			}
			switch {
			case st.Done:
				done++
			case st.Held:
				held[st.Stage]++
			default:
				return false, nil
			}
			if n, err := PendingActivities(ctx, c, in.BatchID, p); err != nil || n > 0 {
				return false, err
			}
		}
		return true, nil
	})
	r.n.Check("pause-held", err == nil, "every partition stopped at a stage boundary or finished; no stage started while paused")
	r.n.Measure("temporal", "while paused: %d partitions done, %d held before store, %d before analyze, %d before clean, %d before collect",
		done, held[Store], held[Analyze], held[Clean], held[Collect])

	if err := Control(ctx, c, in.BatchID, CommandResume); err != nil {
		return w, -1, err
	}
	r.n.Step("operator", "signal %q: every partition goes on from where it stopped", CommandResume)
	return w, part, nil
}
