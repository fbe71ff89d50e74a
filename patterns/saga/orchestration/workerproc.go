package orchestration

import (
	"context"
	"fmt"

	"github.com/patternlab/patternlab/kit/childproc"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

// envWorker turns a re-executed demo (or test) binary into a worker; its
// value is the WorkerConfig, as JSON.
const envWorker = "SAGA_WORKER"

// WorkerConfig says where a worker process finds Temporal and the services.
type WorkerConfig struct {
	TemporalAddress string
	Namespace       string
	NATSURL         string
	Prefix          string
	TaskQueue       string
}

// WorkerProcess is a worker running in a child OS process: the demo's own
// binary, re-executed with the worker's configuration in its environment
// (kit/childproc). Kill is SIGKILL; the process dies with its parent.
type WorkerProcess = childproc.Process

// ServeWorkerIfChild turns this process into a saga worker when it was
// started by StartWorkerProcess, and then exits; otherwise it returns at
// once. Call it first in main (and in TestMain): the demo re-executes its
// own binary to get a worker it can SIGKILL without dying itself.
func ServeWorkerIfChild() { childproc.ServeIfChild(envWorker, serveWorker) }

// StartWorkerProcess starts a worker process and waits until its worker
// polls the task queue.
func StartWorkerProcess(ctx context.Context, cfg WorkerConfig) (*WorkerProcess, error) {
	return childproc.Start(ctx, envWorker, cfg, childproc.Options{Name: "saga worker"})
}

// serveWorker runs a worker until ctx ends, calling ready once it polls.
func serveWorker(ctx context.Context, cfg WorkerConfig, ready func()) error {
	nc, err := natsembed.Connect(cfg.NATSURL, "saga-worker")
	if err != nil {
		return err
	}
	defer nc.Close()
	target := &temporaldev.Target{Address: cfg.TemporalAddress, Namespace: cfg.Namespace}
	c, err := target.Dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	w := NewWorker(c, cfg.TaskQueue, &Activities{NC: nc, Prefix: cfg.Prefix})
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	defer w.Stop()
	ready()
	<-ctx.Done()
	return nil
}
