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
		if len(m.Bench.Ratios) == 0 && len(m.Bench.Curves) == 0 && len(m.Bench.Latency) == 0 {
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
				files[Chart(m.Name, "ratios")] = svg
			}
		}
		for _, c := range m.Bench.Curves {
			svg, err := benchplot.Curve(m.Name+": "+c.Title, c, run)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			errs = append(errs, put(files, Chart(m.Name, c.Name), svg))
		}
		for _, l := range m.Bench.Latency {
			svg, err := benchplot.Latency(m.Name+": "+l.Title, l, run)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s/pattern.yaml: bench.latency %s: %w", m.Dir, l.Name, err))
				continue
			}
			errs = append(errs, put(files, Chart(m.Name, l.Name), svg))
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

// Chart is the path of a module's chart of the given name.
func Chart(module, name string) string { return ChartDir + "/" + module + "-" + name + ".svg" }

// Charts lists the paths of the charts a module's bench section declares.
func Charts(m benchratio.Module) []string {
	var out []string
	if len(m.Bench.Ratios) > 0 {
		out = append(out, Chart(m.Name, "ratios"))
	}
	for _, c := range m.Bench.Curves {
		out = append(out, Chart(m.Name, c.Name))
	}
	for _, l := range m.Bench.Latency {
		out = append(out, Chart(m.Name, l.Name))
	}
	return out
}

// put adds a chart, or says that two declarations draw the same file.
func put(files map[string][]byte, path string, svg []byte) error {
	if _, ok := files[path]; ok {
		return fmt.Errorf("%s: two charts of the bench section have this name", path)
	}
	files[path] = svg
	return nil
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
	bad = append(bad, unshown(r, mods)...)
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

// unshown lists the declared charts a module's chapter does not show
// (an image link to ../assets/bench/<chart>.svg).
func unshown(r *repo.Repo, mods []benchratio.Module) []string {
	var bad []string
	for _, m := range mods {
		chapter := "docs/" + m.Dir + ".md"
		page, err := r.Read(chapter)
		if err != nil {
			continue // the contract check reports a missing chapter
		}
		for _, c := range Charts(m) {
			if !bytes.Contains(page, []byte("](../"+strings.TrimPrefix(c, "docs/")+")")) {
				bad = append(bad, fmt.Sprintf("%s: does not show %s (an image in its Benchmarks or Results section, ![...](../%s))", chapter, c, strings.TrimPrefix(c, "docs/")))
			}
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
