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
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// run is one demo run's shared state.
type run struct {
	n      *narrate.Narrator
	cfg    Config
	srv    *servers
	dir    string
	source string
	data   pipeline.Dataset
	stage  pipeline.StageConfig
	want   pipeline.Snapshot
	runID  string
	// violations found on the way, beyond the stores' audits: an engine's
	// own guarantee broken (the in-process bound).
	violations []string
}

// Demo generates the dataset, runs it through each engine in turn (killing
// a worker process mid-stage in the nats and temporal runs), and checks
// that every store holds the same, expected, result. With cfg.Hold the
// servers stay up after the verdict until ctx ends.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg.Engines = slices.DeleteFunc(slices.Clone(Engines), func(e Engine) bool { return !cfg.uses(e) })
	if cfg.uses(EngineTemporal) {
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
		data: pipeline.Generate(cfg.Seed, cfg.Records), runID: fmt.Sprintf("%d-%d", cfg.Seed, time.Now().UnixNano())}
	srv, err := openServers(ctx, cfg, r.runID)
	if err != nil {
		return err
	}
	defer srv.Close()
	r.srv = srv
	srv.describe(r)
	if err := r.data.WriteFile(r.source); err != nil {
		return err
	}
	r.stage = cfg.stageConfig(r.data.PoisonKeys(cfg.Poison))
	r.want = pipeline.Expected(r.data.Lines, r.stage)
	r.input()

	stores := map[Engine]pipeline.Snapshot{}
	for _, e := range cfg.Engines {
		actx, cancel := context.WithTimeout(ctx, cfg.deadline())
		var snap pipeline.Snapshot
		switch e {
		case EngineGoroutines:
			snap, err = r.inProcess(actx)
		case EngineNATS:
			snap, err = r.workQueue(actx)
		case EngineTemporal:
			snap, err = r.durable(actx)
		}
		cancel()
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
	t := pipeline.Count(r.data.Lines, r.want)
	r.n.Act("the input: one shift of sensor readings from a press line")
	r.n.Step("source", "%d lines from %d machines (seed %d): %d malformed, %d exact duplicates of earlier lines",
		t.In, pipeline.Machines, r.cfg.Seed, t.Malformed, t.Duplicates)
	r.n.Step("source", "the pipeline: %s, the same stage code in every implementation", pipeline.StageList())
	if r.cfg.Poison > 0 {
		poison := r.n.Plan("scoring", fmt.Sprintf("fail every attempt at %d reading(s)", r.cfg.Poison))
		for _, k := range r.stage.PoisonKeys {
			poison.Fire("the scoring service fails on every attempt at reading %s", k)
		}
		if len(r.stage.PoisonKeys) < r.cfg.Poison {
			r.n.Step("scoring", "only %d of the %d poison readings asked for could be picked from this input", len(r.stage.PoisonKeys), r.cfg.Poison)
		}
	}
	r.n.Measure("source", "files of this run in %s", r.dir)
}

// report narrates what a run stored, the same way for every engine.
func (r *run) report(actor string, snap pipeline.Snapshot, took time.Duration) {
	t := pipeline.Count(r.data.Lines, snap)
	r.n.Step(actor, "%s", t)
	r.n.Step(actor, "rejected with reasons: %s", t.Reasons())
	r.n.Measure(actor, "took %s from starting the engine to its last row stored: %.0f lines/s; the sink absorbed %d repeated writes",
		took.Round(time.Millisecond), float64(t.In)/took.Seconds(), snap.Repeats())
}

func (r *run) verdict(stores map[Engine]pipeline.Snapshot) {
	r.n.Act("verdict")
	violations := slices.Clone(r.violations)
	var digests []string
	for _, e := range r.cfg.Engines {
		snap := stores[e]
		v := pipeline.Audit(r.data.Lines, snap)
		if d := pipeline.Diff(r.want, snap); d != "" {
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
