package workflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

// EngineGoroutines names the in-process implementation.
const EngineGoroutines Engine = "goroutines"

// Engines are the three implementations, in the order the demo runs them.
var Engines = []Engine{EngineGoroutines, EngineNATS, EngineTemporal}

// Config is what the demo runs; DefaultConfig is the learner's run.
type Config struct {
	Seed    uint64 // the dataset
	Records int    // lines in the dataset
	// FanOut is how many readings are analyzed at once in every engine:
	// goroutines, 2 NATS worker processes with FanOut/2 each, and one
	// Temporal child workflow per partition.
	FanOut int
	// AnalyzeLatency is the scoring service's response time per reading.
	AnalyzeLatency time.Duration
	MaxAttempts    int // analyze attempts per reading before it is rejected
	Poison         int // readings the scoring service always fails on
	Engines        []Engine
	// Crash kills a worker with SIGKILL mid-run in the nats and temporal runs.
	Crash bool
	// AckWait (NATS) and HeartbeatTimeout (Temporal) are how fast a dead
	// worker's work is handed to another.
	AckWait          time.Duration
	HeartbeatTimeout time.Duration
	// Dir keeps the run's files (input, databases, worker logs) there;
	// empty means a temporary directory removed at the end.
	Dir string
	// Hold keeps the servers up after the run until ctx ends, to browse the
	// Temporal Web UI.
	Hold bool
}

// DefaultConfig is the run `go run ./patterns/workflow/cmd/demo` does.
func DefaultConfig() Config {
	return Config{
		Seed: 1, Records: 1200, FanOut: 4,
		AnalyzeLatency: 2 * time.Millisecond, MaxAttempts: DefaultMaxAttempts, Poison: 1,
		Engines: Engines, Crash: true,
		AckWait: 2 * time.Second, HeartbeatTimeout: 2 * time.Second,
	}
}

// Validate says what is wrong with a config, as a usage error.
func (c Config) Validate() error {
	switch {
	case c.Records < 100 || c.Records > 20000:
		return narrate.Usagef("-records %d: want 100 to 20000", c.Records)
	case c.FanOut < 2 || c.FanOut > 16:
		return narrate.Usagef("-fanout %d: want 2 to 16", c.FanOut)
	case c.Records/c.FanOut > 5000:
		return narrate.Usagef("-records %d with -fanout %d: at most 5000 records per partition (Temporal payload limits)", c.Records, c.FanOut)
	case c.AnalyzeLatency < 0 || c.AnalyzeLatency > 100*time.Millisecond:
		return narrate.Usagef("-latency %s: want 0 to 100ms", c.AnalyzeLatency)
	case c.MaxAttempts < 1 || c.MaxAttempts > 10:
		return narrate.Usagef("-attempts %d: want 1 to 10", c.MaxAttempts)
	case c.Poison < 0 || c.Poison > 10:
		return narrate.Usagef("-poison %d: want 0 to 10", c.Poison)
	case len(c.Engines) == 0:
		return narrate.Usagef("-engines: name at least one of %s", engineList(Engines))
	case c.AckWait < 100*time.Millisecond || c.HeartbeatTimeout < time.Second:
		return narrate.Usagef("-ackwait at least 100ms and -heartbeat at least 1s")
	}
	for _, e := range c.Engines {
		if !slices.Contains(Engines, e) {
			return narrate.Usagef("-engines: unknown %q, want some of %s", e, engineList(Engines))
		}
	}
	return nil
}

// ParseEngines reads a comma-separated engine list ("goroutines,nats").
func ParseEngines(s string) []Engine {
	var out []Engine
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, Engine(f))
		}
	}
	return out
}

func engineList(es []Engine) string {
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = string(e)
	}
	switch len(names) {
	case 1:
		return names[0]
	default:
		return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
}

// InvariantFor is the invariant the demo states for a set of engines.
func InvariantFor(es []Engine) string {
	prefix := "the " + engineList(es) + " stores hold identical results; "
	if len(es) == 1 {
		prefix = "the " + engineList(es) + " store holds the expected results; "
	}
	return prefix + "every input record is stored exactly once or rejected with a reason"
}

// run is one demo run's shared state.
type run struct {
	n      *narrate.Narrator
	cfg    Config
	dir    string
	source string
	data   Dataset
	stage  StageConfig
	want   Snapshot
	runID  string
}

// Demo generates the dataset, runs it through each engine in turn (killing
// a worker mid-run in the nats and temporal runs), and checks that every
// store holds the same, expected, result.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg.Engines = slices.DeleteFunc(slices.Clone(Engines), func(e Engine) bool { return !slices.Contains(cfg.Engines, e) })
	if slices.Contains(cfg.Engines, EngineTemporal) {
		if err := temporaldev.Available(); err != nil {
			return fmt.Errorf("%w; or leave Temporal out: -engines goroutines,nats", err)
		}
	}
	dir := cfg.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "patternlab-workflow-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r := &run{n: n, cfg: cfg, dir: dir, source: filepath.Join(dir, "input.csv"),
		data: Generate(cfg.Seed, cfg.Records), runID: fmt.Sprintf("%d-%d", cfg.Seed, time.Now().UnixNano())}
	if err := r.data.WriteFile(r.source); err != nil {
		return err
	}
	r.stage = StageConfig{AnalyzeLatency: cfg.AnalyzeLatency, MaxAttempts: cfg.MaxAttempts, PoisonKeys: r.data.PoisonKeys(cfg.Poison)}
	r.want = Expected(r.data.Lines, r.stage)
	r.input()

	stores := map[Engine]Snapshot{}
	for _, e := range cfg.Engines {
		var snap Snapshot
		var err error
		switch e {
		case EngineGoroutines:
			snap, err = r.inProcess(ctx)
		case EngineNATS:
			snap, err = r.messageDriven(ctx)
		case EngineTemporal:
			snap, err = r.durable(ctx)
		}
		if err != nil {
			return fmt.Errorf("%s run: %w", e, err)
		}
		stores[e] = snap
	}
	r.verdict(stores)
	if cfg.Hold {
		n.Step("demo", "holding the servers up; press Ctrl-C to end")
		<-ctx.Done()
	}
	return nil
}

func (r *run) input() {
	t := Count(r.data.Lines, r.want)
	r.n.Act("the input: one shift of sensor readings from a press line")
	r.n.Step("source", "%d lines from %d machines (seed %d): %d malformed, %d exact duplicates of earlier lines",
		t.In, Machines, r.cfg.Seed, t.Malformed, t.Duplicates)
	r.n.Step("source", "the pipeline: %s, the same stage code in every implementation", stageList())
	for _, k := range r.stage.PoisonKeys {
		r.n.Fault("scoring", "the scoring service fails on every attempt at reading %s", k)
	}
	r.n.Measure("source", "files of this run in %s", r.dir)
}

// report narrates what a run stored, the same way for every engine.
func (r *run) report(actor string, snap Snapshot, took time.Duration) {
	t := Count(r.data.Lines, snap)
	r.n.Step(actor, "%s", t)
	r.n.Step(actor, "rejected with reasons: %s", t.Reasons())
	r.n.Measure(actor, "took %s: %.0f lines/s; the sink absorbed %d repeated writes", took.Round(time.Millisecond), float64(t.In)/took.Seconds(), snap.Repeats())
}

func (r *run) verdict(stores map[Engine]Snapshot) {
	r.n.Act("verdict")
	var violations []string
	var digests []string
	for _, e := range r.cfg.Engines {
		snap := stores[e]
		v := Audit(r.data.Lines, snap)
		if d := Diff(r.want, snap); d != "" {
			v = append(v, "differs from the expected result at "+d)
		}
		r.n.Check(string(e)+"-store", len(v) == 0, "%d readings and %d rejections, digest %s",
			len(snap.Results), len(snap.Rejects), snap.Digest())
		for _, s := range v {
			violations = append(violations, string(e)+": "+s)
		}
		digests = append(digests, snap.Digest())
	}
	if len(digests) > 1 {
		same := !slices.ContainsFunc(digests, func(d string) bool { return d != digests[0] })
		r.n.Check("identical-stores", same, "%d stores, digests %s", len(digests), strings.Join(digests, " "))
		if !same {
			violations = append(violations, "the stores differ")
		}
	}
	r.n.Invariant(InvariantFor(r.cfg.Engines), violations...)
}

func stageList() string {
	names := make([]string, len(Pipeline))
	for i, s := range Pipeline {
		names[i] = string(s)
	}
	return strings.Join(names, " -> ")
}
