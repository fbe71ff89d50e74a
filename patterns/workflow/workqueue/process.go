package workqueue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"syscall"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/patterns/workflow/launch"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// EnvConsumer carries a ConsumerSpec, as JSON, to a stage-consumer process.
const EnvConsumer = "PATTERNLAB_WORKFLOW_STAGE_CONSUMER"

// ConsumerSpec is everything a stage consumer needs, so that it can run in
// a process of its own.
type ConsumerSpec struct {
	Stage       pipeline.Stage       `json:"stage"`
	NATSURL     string               `json:"nats_url"`
	Topology    Topology             `json:"topology"`
	Config      pipeline.StageConfig `json:"config"`
	Sink        string               `json:"sink,omitempty"` // store: the SQLite file
	SinkOpts    pipeline.SinkOptions `json:"sink_options,omitzero"`
	Batch       int                  `json:"batch,omitempty"`
	Concurrency int                  `json:"concurrency,omitempty"`
	AckFirst    bool                 `json:"ack_first,omitempty"`
	CrashAfter  int                  `json:"crash_after,omitempty"`
}

// Validate refuses a spec a consumer cannot serve, before it dials anything.
func (s ConsumerSpec) Validate() error {
	switch {
	case !slices.Contains(pipeline.Stages[1:], s.Stage):
		return fmt.Errorf("stage %q: want clean, analyze or store", s.Stage)
	case s.NATSURL == "":
		return errors.New("no NATS URL")
	case s.Stage == pipeline.Store && s.Sink == "":
		return errors.New("store: no sink file")
	case s.Batch < 0 || s.Batch > 4096, s.Concurrency < 0 || s.Concurrency > 256:
		return fmt.Errorf("batch %d, concurrency %d: want 0..4096 and 0..256", s.Batch, s.Concurrency)
	case s.Config.MaxAttempts < 0 || s.Config.MaxAttempts > 100, s.CrashAfter < 0:
		return fmt.Errorf("max attempts %d, crash after %d: out of range", s.Config.MaxAttempts, s.CrashAfter)
	}
	return nil
}

// Serve runs the stage consumer spec describes until ctx ends, calling
// ready once it consumes: the body of every stage-consumer process. A
// planned crash (CrashAfter) is a SIGKILL of the process itself.
func Serve(ctx context.Context, spec ConsumerSpec, ready func()) error {
	return serve(ctx, spec, ready, func() { _ = syscall.Kill(os.Getpid(), syscall.SIGKILL) })
}

func serve(ctx context.Context, spec ConsumerSpec, ready, crash func()) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("stage consumer: %w", err)
	}
	var sink *pipeline.Sink
	if spec.Stage == pipeline.Store {
		s, err := pipeline.OpenSink(spec.Sink, spec.SinkOpts)
		if err != nil {
			return err
		}
		defer s.Close()
		sink = s
	}
	nc, err := natsembed.Connect(spec.NATSURL, "workflow-"+string(spec.Stage))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("%s consumer: jetstream: %w", spec.Stage, err)
	}
	c := &StageConsumer{Stage: spec.Stage, JS: js, Topology: spec.Topology, Config: spec.Config, Sink: sink,
		Batch: spec.Batch, Concurrency: spec.Concurrency, Log: os.Stderr,
		AckFirst: spec.AckFirst, CrashAfter: spec.CrashAfter, Crash: crash}
	return c.Run(ctx, ready)
}

// ServeIfAsked turns this process into a stage consumer when EnvConsumer
// holds a spec (main and TestMain call it first); otherwise it returns.
func ServeIfAsked() { launch.ServeIfAsked(EnvConsumer, Serve) }

// Processes starts each stage consumer as a child process of this program,
// its stderr appended to <logDir>/<name>.log.
func Processes(logDir string) launch.Launcher[ConsumerSpec] {
	return launch.Children[ConsumerSpec](EnvConsumer, logDir)
}

// Goroutines runs each stage consumer in a goroutine of this process, for
// benchmarks and tests that kill nothing. A goroutine cannot crash without
// taking the process with it, so a spec with a planned crash is refused.
func Goroutines() launch.Launcher[ConsumerSpec] {
	return launch.Goroutines(func(ctx context.Context, spec ConsumerSpec, ready func()) error {
		if spec.CrashAfter > 0 {
			return errors.New("a planned crash needs a process: launch with Processes")
		}
		return serve(ctx, spec, ready, nil)
	})
}
