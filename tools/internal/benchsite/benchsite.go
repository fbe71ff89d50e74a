// Package benchsite writes what the site shows of the committed benchmark
// results beyond each module's table: the ratios of every module to its
// anchors (benchmarks/results/<name>.ratios.md), their summary across
// modules (benchmarks/results/ratios.md) and the charts
// (docs/assets/bench/*.svg). make bench and `go run ./tools benchtable`
// write them; make check regenerates them and fails when one is stale or a
// declared ratio cannot be measured from the committed results.
package benchsite

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/benchplot"
	"github.com/patternlab/patternlab/tools/internal/benchratio"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Summary is the table of every ratio across modules.
const Summary = "benchmarks/results/ratios.md"

// ChartDir holds the charts the chapters show.
const ChartDir = "docs/assets/bench"

// Derived generates every derived file from the committed results, by path.
func Derived(r *repo.Repo) (map[string][]byte, error) {
	mods, err := benchratio.Modules(r)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	var all []benchratio.Ratio
	var errs []error
	for _, m := range mods {
		if len(m.Bench.Ratios) == 0 && len(m.Bench.Curves) == 0 {
			continue
		}
		run, err := benchratio.ReadRun(r, m.Results)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ratios, err := benchratio.Measure(m.Name, m.Bench.Ratios, run)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		all = append(all, ratios...)
		if len(ratios) > 0 {
			var md bytes.Buffer
			benchratio.Render(ratios, false, &md)
			fmt.Fprintf(&md, "\n_Cost ratio: the benchmark's cost over its anchor's in the same run (1 = the anchor's speed). Source: `%s`, written by `make bench`._\n", m.Results)
			files["benchmarks/results/"+m.Name+".ratios.md"] = md.Bytes()
			svg, err := benchplot.Ratios(m.Name+": cost ratio to each anchor, same run", ratios)
			if err != nil {
				errs = append(errs, err)
			} else {
				files[ChartDir+"/"+m.Name+"-ratios.svg"] = svg
			}
		}
		for _, c := range m.Bench.Curves {
			svg, err := benchplot.Curve(m.Name+": "+c.Title, c, run)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			files[ChartDir+"/"+m.Name+"-"+c.Name+".svg"] = svg
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var md bytes.Buffer
	benchratio.Render(all, true, &md)
	fmt.Fprintf(&md, "\n_Cost ratio: the benchmark's cost over its anchor's in the same run (1 = the anchor's speed); each from `benchmarks/results/<pattern>.txt`, written by `make bench`._\n")
	if without, err := withoutAnchors(r, mods); err != nil {
		return nil, err
	} else if len(without) > 0 {
		fmt.Fprintf(&md, "\n_No anchor declared yet (their tables stand alone, in their chapters): %s._\n", strings.Join(without, ", "))
	}
	files[Summary] = md.Bytes()
	return files, nil
}

// Write writes every derived file.
func Write(r *repo.Repo) error {
	files, err := Derived(r)
	if err != nil {
		return err
	}
	for _, p := range sortedKeys(files) {
		if err := os.MkdirAll(filepath.Dir(r.Path(p)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(r.Path(p), files[p], 0o644); err != nil {
			return err
		}
	}
	fmt.Printf(">> wrote %d files derived from the results (ratios, charts)\n", len(files))
	return nil
}

// Findings are make check's problems: a declared ratio the committed
// results cannot give, a count under the default without its reason, and a
// derived file missing, stale or left over.
func Findings(r *repo.Repo) []string {
	var bad []string
	mods, err := benchratio.Modules(r)
	if err != nil {
		return []string{"bench: " + err.Error()}
	}
	for _, m := range mods {
		if m.Bench.Count > 0 && m.Bench.Count < benchratio.DefaultCount && strings.TrimSpace(m.Bench.Why) == "" {
			bad = append(bad, fmt.Sprintf("%s/pattern.yaml: bench.count %d is under %d without bench.why", m.Dir, m.Bench.Count, benchratio.DefaultCount))
		}
	}
	files, err := Derived(r)
	if err != nil {
		return append(bad, "bench: "+err.Error())
	}
	for _, p := range sortedKeys(files) {
		have, err := os.ReadFile(r.Path(p))
		if err != nil || !bytes.Equal(have, files[p]) {
			bad = append(bad, fmt.Sprintf("%s: missing or stale; `go run ./tools benchtable` writes it from the committed results", p))
		}
	}
	charts, _ := r.Files(ChartDir, ".svg")
	for _, c := range charts {
		if _, ok := files[c]; !ok {
			bad = append(bad, fmt.Sprintf("%s: no results or pattern.yaml bench entry draws it any more", c))
		}
	}
	return bad
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// withoutAnchors lists the contract modules with committed results and no
// declared ratio.
func withoutAnchors(r *repo.Repo, declared []benchratio.Module) ([]string, error) {
	all, err := r.Modules()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range all {
		has := false
		for _, d := range declared {
			has = has || (d.Dir == m.Dir() && len(d.Bench.Ratios) > 0)
		}
		if !has && r.Exists(benchratio.ResultsFile("benchmarks/results", m.Name)) {
			out = append(out, m.Name)
		}
	}
	return out, nil
}
