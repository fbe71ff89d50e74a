package workflow

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// MessageDriven is the pipeline on JetStream: the collector publishes, and
// workers started by Launch do the stages, one process per worker: one for
// clean, AnalyzeWorkers competing for analyze, one for store.
type MessageDriven struct {
	URL      string // the NATS server
	JS       jetstream.JetStream
	Launch   Launcher
	Topology Topology
	Stage    StageConfig
	Sink     string // the store worker's SQLite file

	AnalyzeWorkers int // processes pulling from the analyze consumer (default 2)
	Concurrency    int // readings each analyze worker scores at once (default 2)
	Batch          int // messages per fetch (default 64)
}

// MessageRun is a started message-driven pipeline.
type MessageRun struct {
	m       MessageDriven
	workers map[string]Worker
	specs   map[string]WorkerSpec
	order   []string
}

// Start creates the streams and consumers and starts every worker.
func (m MessageDriven) Start(ctx context.Context) (*MessageRun, error) {
	if m.AnalyzeWorkers <= 0 {
		m.AnalyzeWorkers = 2
	}
	if err := m.Topology.Ensure(ctx, m.JS); err != nil {
		return nil, err
	}
	r := &MessageRun{m: m, workers: map[string]Worker{}, specs: map[string]WorkerSpec{}}
	base := WorkerSpec{Engine: EngineNATS, NATSURL: m.URL, Config: m.Stage, Batch: m.Batch, Concurrency: m.Concurrency}
	add := func(name string, stage Stage, sink string) {
		s := base
		s.Name, s.Stage, s.Sink = name, stage, sink
		r.specs[name] = s
		r.order = append(r.order, name)
	}
	add("clean-1", Clean, "")
	for i := range m.AnalyzeWorkers {
		add(fmt.Sprintf("analyze-%d", i+1), Analyze, "")
	}
	add("store-1", Store, m.Sink)
	for _, name := range r.order {
		if err := r.start(ctx, name); err != nil {
			return nil, errors.Join(err, r.Stop())
		}
	}
	return r, nil
}

// Workers names the workers, in start order.
func (r *MessageRun) Workers() []string { return r.order }

func (r *MessageRun) start(ctx context.Context, name string) error {
	w, err := r.m.Launch(ctx, r.specs[name])
	if err != nil {
		return err
	}
	r.workers[name] = w
	return nil
}

// Kill kills one worker (SIGKILL when it is a process).
func (r *MessageRun) Kill(name string) error {
	w, ok := r.workers[name]
	if !ok {
		return fmt.Errorf("no worker %q", name)
	}
	delete(r.workers, name)
	return w.Kill()
}

// Restart starts a killed worker again with the same spec.
func (r *MessageRun) Restart(ctx context.Context, name string) error {
	if _, ok := r.workers[name]; ok {
		return fmt.Errorf("worker %q is running", name)
	}
	return r.start(ctx, name)
}

// Worker is a running worker, or nil.
func (r *MessageRun) Worker(name string) Worker { return r.workers[name] }

// Publish is the collect stage: every line of source into the clean stream.
func (r *MessageRun) Publish(ctx context.Context, runID, source string) (int, error) {
	return PublishLines(ctx, r.m.JS, runID, source)
}

// Wait returns when every published line has been stored or dead-lettered
// and recorded.
func (r *MessageRun) Wait(ctx context.Context) error {
	return WaitDrained(ctx, r.m.JS, 10*time.Millisecond)
}

// ConsumerInfo reads the state of a stage's consumer.
func (r *MessageRun) ConsumerInfo(ctx context.Context, s Stage) (*jetstream.ConsumerInfo, error) {
	c, err := r.m.JS.Consumer(ctx, StreamOf(s), string(s))
	if err != nil {
		return nil, fmt.Errorf("consumer %s: %w", s, err)
	}
	return c.Info(ctx)
}

// Stop stops every worker, politely, all at once.
func (r *MessageRun) Stop() error {
	errs := make([]error, len(r.order))
	var wg sync.WaitGroup
	for i, name := range r.order {
		if w, ok := r.workers[name]; ok {
			wg.Go(func() { errs[i] = w.Stop() })
		}
	}
	wg.Wait()
	clear(r.workers)
	return errors.Join(errs...)
}
