package workflow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

// Engine says which pipeline a worker belongs to.
type Engine string

// The engines that have worker processes.
const (
	EngineNATS     Engine = "nats"
	EngineTemporal Engine = "temporal"
)

// WorkerSpec is everything a worker needs, so that it can run in a process
// of its own: it travels as JSON in the environment.
type WorkerSpec struct {
	Name   string      `json:"name"` // e.g. "analyze-1"
	Engine Engine      `json:"engine"`
	Stage  Stage       `json:"stage,omitempty"` // NATS: the stage this worker serves
	Config StageConfig `json:"config"`
	// Sink is the SQLite file of the store stage (NATS store, Temporal).
	Sink string `json:"sink,omitempty"`

	NATSURL     string `json:"nats_url,omitempty"`
	Batch       int    `json:"batch,omitempty"`
	Concurrency int    `json:"concurrency,omitempty"`

	TemporalAddress   string `json:"temporal_address,omitempty"`
	TemporalNamespace string `json:"temporal_namespace,omitempty"`
}

// RunWorker runs the worker spec describes until ctx ends, calling ready once
// it is serving. It is the body of every worker process, and of in-process
// workers in tests and benchmarks.
func RunWorker(ctx context.Context, spec WorkerSpec, ready func()) error {
	var sink *Sink
	if spec.Sink != "" {
		s, err := OpenSink(spec.Sink, spec.Config.StoreDelay)
		if err != nil {
			return err
		}
		defer s.Close()
		sink = s
	}
	switch spec.Engine {
	case EngineNATS:
		nc, err := natsembed.Connect(spec.NATSURL, "workflow-"+spec.Name)
		if err != nil {
			return err
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			return fmt.Errorf("%s: jetstream: %w", spec.Name, err)
		}
		w := StageWorker{Stage: spec.Stage, JS: js, Config: spec.Config, Sink: sink,
			Batch: spec.Batch, Concurrency: spec.Concurrency, Log: os.Stderr}
		return w.Run(ctx, ready)
	case EngineTemporal:
		tg := &temporaldev.Target{Address: spec.TemporalAddress, Namespace: spec.TemporalNamespace}
		c, err := tg.Dial(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		w := NewTemporalWorker(c, &Activities{Sink: sink, Stage: spec.Config})
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
	return fmt.Errorf("worker %s: unknown engine %q", spec.Name, spec.Engine)
}

// NewTemporalWorker makes a worker for the pipeline's task queue with acts.
// Heartbeats reach the server at least every 200ms, so a retried attempt
// loses little; a workflow cached on a worker that died moves to another
// worker after a second.
func NewTemporalWorker(c client.Client, acts *Activities) worker.Worker {
	w := worker.New(c, TaskQueue, worker.Options{
		MaxHeartbeatThrottleInterval: 200 * time.Millisecond,
		StickyScheduleToStartTimeout: time.Second,
	})
	acts.Register(w)
	return w
}

// Worker is a running worker, in a process or a goroutine.
type Worker interface {
	Name() string
	// Stop asks the worker to finish and waits for it.
	Stop() error
	// Kill ends the worker at once: SIGKILL for a process.
	Kill() error
}

// Launcher starts workers.
type Launcher func(ctx context.Context, spec WorkerSpec) (Worker, error)

// Goroutines launches workers as goroutines of this process (benchmarks and
// tests that need no crash). Kill and Stop both cancel the worker's context.
func Goroutines(ctx context.Context, spec WorkerSpec) (Worker, error) {
	ctx, cancel := context.WithCancel(ctx)
	g := &goroutineWorker{name: spec.Name, cancel: cancel, done: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		defer close(g.done)
		g.err = RunWorker(ctx, spec, func() { close(ready) })
	}()
	select {
	case <-ready:
		return g, nil
	case <-g.done:
		return nil, fmt.Errorf("worker %s: %w", spec.Name, errors.Join(g.err, errors.New("exited before it was ready")))
	}
}

type goroutineWorker struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func (g *goroutineWorker) Name() string { return g.name }
func (g *goroutineWorker) Stop() error  { g.cancel(); <-g.done; return g.err }
func (g *goroutineWorker) Kill() error  { return g.Stop() }
