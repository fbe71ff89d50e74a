// Package repo reads the facts of a patternlab checkout that the tools check
// and generate from: the workspace (go.work), the pattern modules and their
// pattern.yaml, the docs pages and the diagrams.
package repo

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/mod/modfile"
)

// ModulePrefix is the module path prefix every module of the lab shares.
const ModulePrefix = "github.com/patternlab/patternlab"

// Kinds of modules that carry a pattern contract, by top-level directory.
var ContractDirs = []string{"patterns", "industries"}

// Repo is a checkout rooted at Root.
type Repo struct{ Root string }

// Find walks up from dir to the directory holding go.work.
func Find(dir string) (*Repo, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return &Repo{Root: d}, nil
		}
		if filepath.Dir(d) == d {
			return nil, fmt.Errorf("no go.work in %s or above", dir)
		}
	}
}

// Path joins a slash-separated path relative to the root.
func (r *Repo) Path(rel string) string { return filepath.Join(r.Root, filepath.FromSlash(rel)) }

// Exists reports whether a root-relative path exists.
func (r *Repo) Exists(rel string) bool {
	_, err := os.Stat(r.Path(rel))
	return err == nil
}

// Read reads a root-relative file.
func (r *Repo) Read(rel string) ([]byte, error) { return os.ReadFile(r.Path(rel)) }

// WorkUses lists the module directories of go.work, root-relative and
// slash-separated ("patterns/saga").
func (r *Repo) WorkUses() ([]string, error) {
	data, err := r.Read("go.work")
	if err != nil {
		return nil, err
	}
	wf, err := modfile.ParseWork("go.work", data, nil)
	if err != nil {
		return nil, fmt.Errorf("go.work: %w", err)
	}
	var uses []string
	for _, u := range wf.Use {
		uses = append(uses, strings.TrimPrefix(filepath.ToSlash(filepath.Clean(u.Path)), "./"))
	}
	sort.Strings(uses)
	return uses, nil
}

// AddWorkUse adds a module directory to go.work (idempotent).
func (r *Repo) AddWorkUse(dir string) error {
	data, err := r.Read("go.work")
	if err != nil {
		return err
	}
	wf, err := modfile.ParseWork("go.work", data, nil)
	if err != nil {
		return fmt.Errorf("go.work: %w", err)
	}
	if err := wf.AddUse("./"+dir, ""); err != nil {
		return err
	}
	wf.SortBlocks()
	wf.Cleanup()
	return os.WriteFile(r.Path("go.work"), modfile.Format(wf.Syntax), 0o644)
}

// Module is a pattern or industry module on disk.
type Module struct {
	Kind string // "patterns" or "industries"
	Name string // directory name
}

// Dir is the module's root-relative directory.
func (m Module) Dir() string { return m.Kind + "/" + m.Name }

// Chapter is the module's root-relative docs page.
func (m Module) Chapter() string { return "docs/" + m.Kind + "/" + m.Name + ".md" }

// Modules lists every directory under patterns/ and industries/ that holds a
// go.mod, whether or not go.work lists it.
func (r *Repo) Modules() ([]Module, error) {
	var mods []Module
	for _, kind := range ContractDirs {
		entries, err := os.ReadDir(r.Path(kind))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.IsDir() && r.Exists(kind+"/"+e.Name()+"/go.mod") {
				mods = append(mods, Module{Kind: kind, Name: e.Name()})
			}
		}
	}
	return mods, nil
}

// Pattern is the metadata in a module's pattern.yaml: the one place for a
// pattern's facts, read by the checks, the docs and the Makefile.
type Pattern struct {
	Name          string   `yaml:"name"`
	Title         string   `yaml:"title"`
	Summary       string   `yaml:"summary"`
	Level         string   `yaml:"level"`
	Tags          []string `yaml:"tags"`
	Prerequisites []string `yaml:"prerequisites"`
	Related       []string `yaml:"related"`
	Industries    []string `yaml:"industries"`
	Invariant     string   `yaml:"invariant"`
	Diagrams      []string `yaml:"diagrams"`
	Needs         []string `yaml:"needs"`
	// Switches turn off, one each, the safeguards the invariant depends on:
	// with one, the demo must end VIOLATED showing Evidence.
	Switches []Switch `yaml:"switches"`
	// Faults are the kinds of fault the module's tests inject (the fault
	// catalog's kinds): each has a test tagged with it (tools/internal/faultcat).
	Faults []string `yaml:"faults"`
	// Zh holds the Chinese edition's text of the facts above.
	Zh PatternZh `yaml:"zh"`
	// Composes names the modules (patterns/ or industries/) this one is
	// built from: it imports them, it does not copy them.
	Composes []string `yaml:"composes"`
	// Contrasts names the patterns that are alternatives to this one for the
	// same problem (an operator's reconcile loop against a workflow's steps).
	Contrasts []string `yaml:"contrasts"`
	// Bench says how make bench runs the module's benchmarks and which of
	// them is measured against which anchor in the same run.
	Bench Bench `yaml:"bench"`
}

// Bench is a module's benchmark settings (tools/internal/benchratio reads
// them): the -count of make bench and the ratios to its anchors.
type Bench struct {
	// Count is make bench's -count (0: benchratio.DefaultCount, 6); fewer needs Why.
	Count int    `yaml:"count"`
	Why   string `yaml:"why"`
	// Ratios pair a benchmark with the anchor it is measured against.
	Ratios []BenchRatio `yaml:"ratios"`
	// Curves are the module's scaling charts, drawn from its results.
	Curves []BenchCurve `yaml:"curves"`
	// Latency are the module's latency-distribution charts: percentiles of
	// benchmarks beside their anchors' over the rounds of one run.
	Latency []BenchLatency `yaml:"latency"`
}

// BenchLatency is a chart of percentile units (p50-ms and p99-ms, or
// ack-p50-ms and ack-p99-ms: one quantity, several percentiles) for each
// listed benchmark and, below it, each of its anchors, written to
// docs/assets/bench/<module>-<name>.svg (tools/internal/benchplot draws it).
type BenchLatency struct {
	Name    string              `yaml:"name"`
	Title   string              `yaml:"title"`
	Units   []string            `yaml:"units"`
	Benches []BenchLatencyGroup `yaml:"benches"`
}

// BenchLatencyGroup is a benchmark and the anchors drawn beside it.
type BenchLatencyGroup struct {
	Bench   string   `yaml:"bench"`
	Anchors []string `yaml:"anchors"`
}

// BenchCurve is a chart of a unit over a parameter of the benchmark names
// ("LoadSize/events=100": param events), one line per series, written to
// docs/assets/bench/<module>-<name>.svg.
type BenchCurve struct {
	Name   string        `yaml:"name"`
	Title  string        `yaml:"title"`
	Unit   string        `yaml:"unit"`
	Param  string        `yaml:"param"`
	Series []BenchSeries `yaml:"series"`
}

// BenchSeries is one line of a curve: the benchmark whose sub-benchmarks
// are its points.
type BenchSeries struct {
	Label string `yaml:"label"`
	Bench string `yaml:"bench"`
}

// BenchRatio is one benchmark stated as a ratio to its anchor, both named
// without the Benchmark prefix and the -GOMAXPROCS suffix, compared in Unit
// (a rate such as msgs/s, or a cost such as ns/op).
type BenchRatio struct {
	Bench  string `yaml:"bench"`  // "FlatOut/jetstream-pull"
	Anchor string `yaml:"anchor"` // "AnchorNATSBench/js-pub-sync-dedup"
	Unit   string `yaml:"unit"`   // "msgs/s"
	// Target is the cost ratio the module aims at (0: none); the tables say
	// whether the committed run met it.
	Target float64 `yaml:"target"`
}

// PatternZh holds the Chinese edition's text of a pattern's facts, beside
// the English fields it translates: the catalog and the "At a glance" box
// of the Chinese site, and the Chinese name its search must find.
type PatternZh struct {
	Title     string `yaml:"title"`
	Summary   string `yaml:"summary"`
	Invariant string `yaml:"invariant"`
	// SourceHash is the hash of the English title, summary and invariant
	// these translate, recorded by `make translations-refresh`.
	SourceHash string `yaml:"source_hash"`
}

// Switch is a demo flag that turns off one safeguard.
type Switch struct {
	Flag     string `yaml:"flag"`     // "-inbox=false"
	Breaks   string `yaml:"breaks"`   // what it turns off
	Evidence string `yaml:"evidence"` // text the VIOLATED last line must contain
}

// Allowed values of pattern.yaml fields.
var (
	Levels        = []string{"beginner", "intermediate", "advanced"}
	Industries    = []string{"fintech", "manufacturing", "internet"}
	Needs         = []string{"temporal-cli", "envtest"}
	RequiredViews = []string{"architecture", "flow", "sequence"}
)

// ReadPattern decodes a module's pattern.yaml strictly: unknown fields are
// errors, so a typo cannot silently drop a fact.
func (r *Repo) ReadPattern(m Module) (*Pattern, error) {
	data, err := r.Read(m.Dir() + "/pattern.yaml")
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var p Pattern
	if err := dec.Decode(&p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Files lists root-relative slash paths of regular files under dir whose
// names end in one of the suffixes, sorted.
func (r *Repo) Files(dir string, suffixes ...string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(r.Path(dir), func(p string, d os.DirEntry, err error) error {
		if errors.Is(err, os.ErrNotExist) {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if d.IsDir() || !hasSuffix(d.Name(), suffixes) {
			return nil
		}
		rel, err := filepath.Rel(r.Root, p)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	sort.Strings(out)
	return out, err
}

func hasSuffix(name string, suffixes []string) bool {
	for _, s := range suffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}
