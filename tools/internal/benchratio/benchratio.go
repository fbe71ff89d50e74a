// Package benchratio states a module's benchmarks as ratios to their
// anchors: what the same machine, in the same run, does for a client that
// does only the minimum (a bare Go channel, `nats bench`, eventhorizon's
// memory store). A module declares its pairs in pattern.yaml (bench.ratios);
// the ratios are computed from the committed results, written beside them,
// and compared with a fresh quick run by `make bench-check`.
//
// A ratio is a cost ratio: the benchmark's cost over the anchor's, so 1 is
// the anchor's speed and 3 is three times slower. For a rate unit (ending in
// "/s") that is the anchor's rate over the benchmark's; for a cost unit
// (ns/op, ms/load) the benchmark's value over the anchor's.
package benchratio

import (
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/benchtable"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// DefaultCount is make bench's -count when a module names none: six runs,
// the fewest from which benchstat gives a 95% confidence interval of the
// median.
const DefaultCount = 6

// Ratio is one declared pair measured in one run.
type Ratio struct {
	Module string
	repo.BenchRatio
	BenchValue, AnchorValue float64 // medians in Unit
	Value                   float64 // cost ratio, see the package comment: the median of the rounds' ratios
	Worst                   float64 // the highest of the rounds' ratios (Value if they do not pair up)
	Runs                    int     // runs of the benchmark (its -count)
}

// IsRate reports whether unit is a rate (higher is better).
func IsRate(unit string) bool { return strings.HasSuffix(unit, "/s") }

// Cost is the cost ratio of a benchmark's value to its anchor's in unit.
func Cost(unit string, bench, anchor float64) float64 {
	if IsRate(unit) {
		return anchor / bench
	}
	return bench / anchor
}

// Measure computes a module's declared ratios from its run. A pair whose
// benchmark or anchor the run lacks, or has no value in the unit for, is an
// error naming it.
func Measure(module string, spec []repo.BenchRatio, run *benchtable.Run) ([]Ratio, error) {
	var out []Ratio
	var errs []error
	for _, p := range spec {
		b, errB := median(run, p.Bench, p.Unit)
		a, errA := median(run, p.Anchor, p.Unit)
		if err := errors.Join(errB, errA); err != nil {
			errs = append(errs, fmt.Errorf("%s: ratio %s to %s: %w", module, p.Bench, p.Anchor, err))
			continue
		}
		bs, as := run.Row(p.Bench).Values[p.Unit], run.Row(p.Anchor).Values[p.Unit]
		value, worst := ratio(p.Unit, bs, as)
		out = append(out, Ratio{Module: module, BenchRatio: p, BenchValue: b, AnchorValue: a, Value: value, Worst: worst, Runs: len(bs)})
	}
	return out, errors.Join(errs...)
}

// ratio is the median of the per-round ratios when both ran in every round
// (make bench runs rounds of every benchmark once: the i-th values are
// from the same round, measured minutes apart at most), else the ratio of
// the medians; and the highest of the rounds' ratios.
func ratio(unit string, bench, anchor []float64) (median, worst float64) {
	if len(bench) != len(anchor) {
		v := Cost(unit, benchtable.Median(bench), benchtable.Median(anchor))
		return v, v
	}
	per := make([]float64, len(bench))
	for i := range bench {
		per[i] = Cost(unit, bench[i], anchor[i])
	}
	return benchtable.Median(per), slices.Max(per)
}

func median(run *benchtable.Run, name, unit string) (float64, error) {
	rw := run.Row(name)
	if rw == nil {
		return 0, fmt.Errorf("%s is not in the results", name)
	}
	m, ok := rw.Median(unit)
	if !ok {
		return 0, fmt.Errorf("%s has no %s in the results", name, unit)
	}
	if m <= 0 {
		return 0, fmt.Errorf("%s measured %g %s", name, m, unit)
	}
	return m, nil
}

// Module is a module with declared ratios, and where its results are.
type Module struct {
	Name    string // results/<Name>.txt
	Dir     string // patterns/backpressure
	Bench   repo.Bench
	Results string // benchmarks/results/<Name>.txt
}

// Modules lists the contract modules of r whose pattern.yaml declares a
// bench section.
func Modules(r *repo.Repo) ([]Module, error) {
	mods, err := r.Modules()
	if err != nil {
		return nil, err
	}
	var out []Module
	for _, m := range mods {
		p, err := r.ReadPattern(m)
		if err != nil {
			return nil, fmt.Errorf("%s/pattern.yaml: %w", m.Dir(), err)
		}
		if p.Bench.Count == 0 && len(p.Bench.Ratios) == 0 && len(p.Bench.Curves) == 0 && len(p.Bench.Latency) == 0 {
			continue
		}
		out = append(out, Module{Name: m.Name, Dir: m.Dir(), Bench: p.Bench, Results: ResultsFile("benchmarks/results", m.Name)})
	}
	return out, nil
}

// ResultsFile is the results file of module name under dir.
func ResultsFile(dir, name string) string { return path.Join(dir, name+".txt") }

// ReadRun parses a results file (a path relative to r, or absolute).
func ReadRun(r *repo.Repo, file string) (*benchtable.Run, error) {
	p := file
	if !path.IsAbs(file) {
		p = r.Path(file)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return benchtable.Parse(f, file)
}

// MeasureFile computes m's ratios from a results file.
func MeasureFile(r *repo.Repo, m Module, file string) ([]Ratio, error) {
	run, err := ReadRun(r, file)
	if err != nil {
		return nil, err
	}
	return Measure(m.Name, m.Bench.Ratios, run)
}

// Committed computes every declared ratio from the committed results.
func Committed(r *repo.Repo) ([]Ratio, error) {
	mods, err := Modules(r)
	if err != nil {
		return nil, err
	}
	var all []Ratio
	var errs []error
	for _, m := range mods {
		rs, err := MeasureFile(r, m, m.Results)
		all = append(all, rs...)
		errs = append(errs, err)
	}
	return all, errors.Join(errs...)
}
