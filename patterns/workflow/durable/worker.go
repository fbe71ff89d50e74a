package durable

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/workflow/launch"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// DefaultTaskQueue is the task queue of the workflows and the activities on
// a server of the demo's own; on a shared one the demo adds its run ID.
const DefaultTaskQueue = "sensor-pipeline"

// NewWorker makes the Temporal worker (the SDK's worker.Worker) that polls
// taskQueue for the workflows and acts, calling itself identity in the
// histories it leaves. Heartbeats reach the server at least every 200ms, so
// a retried attempt loses little; a workflow cached on a worker that died
// moves to another worker after a second.
func NewWorker(c client.Client, taskQueue, identity string, acts *Activities) worker.Worker {
	w := worker.New(c, taskQueue, worker.Options{
		Identity:                     identity,
		MaxHeartbeatThrottleInterval: 200 * time.Millisecond,
		StickyScheduleToStartTimeout: time.Second,
		// The SDK's default of 1 s declares a workflow goroutine deadlocked
		// when it has not yielded for a second; a -race worker on a loaded
		// 2-core machine exceeds that without any deadlock, and the
		// detector's panic is the likely cause of a data race seen inside the
		// SDK in one loaded -race run. A real deadlock still
		// fails, after 30 s.
		DeadlockDetectionTimeout: 30 * time.Second,
	})
	acts.Register(w)
	return w
}

// EnvWorker carries a WorkerSpec, as JSON, to a worker process.
const EnvWorker = "PATTERNLAB_WORKFLOW_TEMPORAL_WORKER"

// WorkerSpec is everything a worker process needs.
type WorkerSpec struct {
	Name      string               `json:"name"` // its identity in the histories
	Address   string               `json:"address"`
	Namespace string               `json:"namespace"`
	TaskQueue string               `json:"task_queue"`
	Config    pipeline.StageConfig `json:"config"`
	Sink      string               `json:"sink"`
	SinkOpts  pipeline.SinkOptions `json:"sink_options,omitzero"`
}

// Validate refuses a spec a worker cannot serve, before it dials anything.
func (s WorkerSpec) Validate() error {
	switch {
	case s.Name == "", s.Address == "", s.TaskQueue == "", s.Sink == "":
		return errors.New("name, address, task queue and sink are all required")
	case s.Config.MaxAttempts < 0 || s.Config.MaxAttempts > 100:
		return fmt.Errorf("max attempts %d: out of range", s.Config.MaxAttempts)
	}
	return nil
}

// ServeWorker runs a Temporal worker until ctx ends, calling ready once it
// polls: the body of every worker process.
func ServeWorker(ctx context.Context, spec WorkerSpec, ready func()) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("temporal worker: %w", err)
	}
	sink, err := pipeline.OpenSink(spec.Sink, spec.SinkOpts)
	if err != nil {
		return err
	}
	defer sink.Close()
	tg := &temporaldev.Target{Address: spec.Address, Namespace: spec.Namespace}
	c, err := tg.Dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	w := NewWorker(c, spec.TaskQueue, spec.Name, &Activities{Sink: sink, Stage: spec.Config})
	if err := w.Start(); err != nil {
		return fmt.Errorf("%s: start temporal worker: %w", spec.Name, err)
	}
	if ready != nil {
		ready()
	}
	<-ctx.Done()
	w.Stop()
	return nil
}

// ServeIfAsked turns this process into a Temporal worker when EnvWorker
// holds a spec (main and TestMain call it first); otherwise it returns.
func ServeIfAsked() { launch.ServeIfAsked(EnvWorker, ServeWorker) }

// Processes starts each worker as a child process of this program, its
// stderr appended to <logDir>/<name>.log.
func Processes(logDir string) launch.Launcher[WorkerSpec] {
	return launch.Children[WorkerSpec](EnvWorker, logDir)
}

// Goroutines runs each worker in a goroutine of this process, for
// benchmarks and tests that kill nothing.
func Goroutines() launch.Launcher[WorkerSpec] { return launch.Goroutines(ServeWorker) }
