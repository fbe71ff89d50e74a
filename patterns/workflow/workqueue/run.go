package workqueue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/patterns/workflow/launch"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// Pipeline is the sensor pipeline on JetStream: the collector publishes, and
// stage consumers started by Launch do the stages, one process each: one for
// clean, AnalyzeConsumers competing for analyze, one for store.
type Pipeline struct {
	URL      string // the NATS server, as the consumer processes dial it
	JS       jetstream.JetStream
	Launch   launch.Launcher[ConsumerSpec]
	Topology Topology
	Stage    pipeline.StageConfig
	Sink     string               // the store consumer's SQLite file
	SinkOpts pipeline.SinkOptions // faults of the store's sink

	AnalyzeConsumers int // processes pulling from the analyze consumer (default 2)
	Concurrency      int // readings each analyze consumer scores at once (default 2)
	Batch            int // messages per fetch (default 64)
	// AckFirst makes every consumer acknowledge before its outputs are
	// stored (the fault of -ack-after-publish=false).
	AckFirst bool
	// Crash plans the crash of one consumer between the two commits of its
	// AfterBatches-th batch; its restart does not crash again.
	Crash Crash
}

// Crash names the consumer that dies, and when.
type Crash struct {
	Consumer     string // e.g. "analyze-1"; "" for none
	AfterBatches int
}

// Run is a started pipeline: its stage consumers, by name.
type Run struct {
	p     Pipeline
	mu    sync.Mutex // procs and specs: a consumer may be killed from another goroutine (the lab's kill-worker)
	procs map[string]launch.Process
	specs map[string]ConsumerSpec
	order []string
}

// Start creates the streams and consumers and starts every stage consumer.
// The caller deletes the streams (Topology.Delete) when it is done with
// them.
func (p Pipeline) Start(ctx context.Context) (*Run, error) {
	if p.AnalyzeConsumers <= 0 {
		p.AnalyzeConsumers = 2
	}
	p.Topology = p.Topology.WithDefaults()
	if err := p.Topology.Create(ctx, p.JS); err != nil {
		return nil, err
	}
	r := &Run{p: p, procs: map[string]launch.Process{}, specs: map[string]ConsumerSpec{}}
	base := ConsumerSpec{NATSURL: p.URL, Topology: p.Topology, Config: p.Stage,
		Batch: p.Batch, Concurrency: p.Concurrency, AckFirst: p.AckFirst}
	add := func(name string, stage pipeline.Stage) {
		s := base
		s.Stage = stage
		if stage == pipeline.Store {
			s.Sink, s.SinkOpts = p.Sink, p.SinkOpts
		}
		if name == p.Crash.Consumer {
			s.CrashAfter = p.Crash.AfterBatches
		}
		r.specs[name] = s
		r.order = append(r.order, name)
	}
	add("clean-1", pipeline.Clean)
	for i := range p.AnalyzeConsumers {
		add(fmt.Sprintf("analyze-%d", i+1), pipeline.Analyze)
	}
	add("store-1", pipeline.Store)
	for _, name := range r.order {
		if err := r.start(ctx, name); err != nil {
			return nil, errors.Join(err, r.Stop())
		}
	}
	return r, nil
}

// Consumers names the stage consumers, in start order.
func (r *Run) Consumers() []string { return r.order }

func (r *Run) start(ctx context.Context, name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.startLocked(ctx, name)
}

func (r *Run) startLocked(ctx context.Context, name string) error {
	p, err := r.p.Launch(ctx, name, r.specs[name])
	if err != nil {
		return err
	}
	r.procs[name] = p
	return nil
}

// Process is the running process of a consumer, or nil.
func (r *Run) Process(name string) launch.Process {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.procs[name]
}

// Kill kills one consumer (SIGKILL when it is a process).
func (r *Run) Kill(name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.procs[name]
	if !ok {
		return fmt.Errorf("no stage consumer %q", name)
	}
	delete(r.procs, name)
	return p.Kill()
}

// Restart starts a consumer that was killed or has died again, with the
// same spec but no planned crash.
func (r *Run) Restart(ctx context.Context, name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.procs[name]; ok {
		select {
		case <-p.Done():
		default:
			return fmt.Errorf("stage consumer %q is running", name)
		}
	}
	s := r.specs[name]
	s.CrashAfter = 0
	r.specs[name] = s
	return r.startLocked(ctx, name)
}

// Publish is the collect stage: every line of source into the clean stream.
func (r *Run) Publish(ctx context.Context, runID, source string) (int, error) {
	return PublishLines(ctx, r.p.JS, r.p.Topology, runID, source)
}

// Wait returns when every published line has been stored or rejected and
// recorded.
func (r *Run) Wait(ctx context.Context) error {
	return r.p.Topology.WaitDrained(ctx, r.p.JS, 10*time.Millisecond)
}

// Backlog is the work not yet finished, as the server counts it (see
// Topology.Backlog).
func (r *Run) Backlog(ctx context.Context) (uint64, error) {
	_, n, err := r.p.Topology.Backlog(ctx, r.p.JS)
	return n, err
}

// ConsumerInfo reads the server's state of a stage's consumer.
func (r *Run) ConsumerInfo(ctx context.Context, s pipeline.Stage) (*jetstream.ConsumerInfo, error) {
	c, err := r.p.JS.Consumer(ctx, r.p.Topology.Stream(s), string(s))
	if err != nil {
		return nil, fmt.Errorf("consumer %s: %w", s, err)
	}
	return c.Info(ctx)
}

// Stop stops every consumer that still runs, politely, all at once.
func (r *Run) Stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	errs := make([]error, len(r.order))
	var wg sync.WaitGroup
	for i, name := range r.order {
		if p, ok := r.procs[name]; ok {
			select {
			case <-p.Done():
				continue // died already (a planned crash): nothing to stop
			default:
			}
			wg.Go(func() { errs[i] = p.Stop() })
		}
	}
	wg.Wait()
	clear(r.procs)
	return errors.Join(errs...)
}
