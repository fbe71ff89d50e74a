package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/patternlab/patternlab/tools/internal/benchratio"
	"github.com/patternlab/patternlab/tools/internal/benchsite"
	"github.com/patternlab/patternlab/tools/internal/benchtable"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// benchTarget is one go test -bench run: a demo module, languages/, or the
// disk probe.
type benchTarget struct {
	name, dir string
	count     int
	benchmem  bool
}

// benchTargets lists what make bench runs, with each module's -count from
// its pattern.yaml (bench.count, default 5).
func benchTargets(r *repo.Repo) ([]benchTarget, error) {
	mods, err := demoModules(r)
	if err != nil {
		return nil, err
	}
	declared, err := benchratio.Modules(r)
	if err != nil {
		return nil, err
	}
	var out []benchTarget
	for _, m := range mods {
		t := benchTarget{name: filepath.Base(m), dir: m, count: benchratio.DefaultCount, benchmem: true}
		for _, d := range declared {
			if d.Dir == m && d.Bench.Count > 0 {
				t.count = d.Bench.Count
			}
		}
		out = append(out, t)
	}
	if r.Exists("languages/go.mod") { // Go beside Java and Rust, in the same run; other processes: no allocation counters
		out = append(out, benchTarget{name: "languages", dir: "languages", count: benchratio.DefaultCount})
	}
	// the disk under JetStream's file storage
	out = append(out, benchTarget{name: "disk", dir: "tools/internal/fsyncprobe", count: benchratio.DefaultCount})
	return out, nil
}

// runBench runs each target's benchmarks and anchors (all, or the named
// ones) and writes benchmarks/results/<name>.txt, headed by the machine they
// ran on, its table <name>.md and its benchstat summary <name>.benchstat,
// then every file derived from the results (ratios, charts).
//
// -quick runs every benchmark and anchor once with a short benchtime into a
// scratch directory and checks every declared ratio was measured; -check
// runs three such rounds and compares the median of their ratios with the
// committed run. BENCHFLAGS adds go
// test flags.
func runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	quick := fs.Bool("quick", false, "every benchmark and anchor once, with -benchtime, into -out (not the committed results)")
	check := fs.Bool("check", false, "with -quick: fail when a ratio grew beyond -threshold over its committed value")
	threshold := fs.Float64("threshold", benchratio.DefaultThreshold, "relative growth of a ratio that fails -check")
	benchtime := fs.String("benchtime", "", "-benchtime of a quick run (default 100ms, and with -check the committed run's 1s)")
	quickRounds := fs.Int("rounds", 0, "rounds of a quick run (default 1, and 3 with -check: the median of three is compared)")
	outDir := fs.String("out", filepath.Join(os.TempDir(), "patternlab-bench-quick"), "where a quick run writes its results")
	_ = fs.Parse(args)
	names := fs.Args()
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	targets, err := benchTargets(r)
	if err != nil {
		return err
	}
	if *check && len(names) == 0 { // only the modules with ratios to compare
		declared, err := benchratio.Modules(r)
		if err != nil {
			return err
		}
		for _, m := range declared {
			if len(m.Bench.Ratios) > 0 {
				names = append(names, m.Name)
			}
		}
	}
	dir := r.Path("benchmarks/results")
	if *quick || *check {
		dir = *outDir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	start := time.Now()
	var ran []benchTarget
	for _, t := range targets {
		if len(names) > 0 && !slices.Contains(names, t.name) {
			continue
		}
		// t.count rounds of every benchmark once, rather than -count: a
		// benchmark and its anchor then run minutes apart at most, and the
		// load of the shared machine changes less between them
		rounds, flags := t.count, []string{"-count", "1"}
		what := fmt.Sprintf("%d rounds", t.count)
		if *quick || *check {
			bt := *benchtime
			if bt == "" {
				bt = "100ms"
				if *check {
					bt = "1s" // a first operation at 100ms is cold: its ratio is biased, not noisy
				}
			}
			rounds, flags = 1, []string{"-count", "1", "-benchtime", bt}
			if *check {
				rounds = 3
				if re := declaredBenchmarks(r, t.dir); re != "" {
					flags = append(flags, "-bench", re) // only what the ratios need
				}
			}
			if *quickRounds > 0 {
				rounds = *quickRounds
			}
			what = fmt.Sprintf("%d quick round(s), %s", rounds, strings.Join(flags[2:], " "))
		}
		header := machineHeader(ctx, r)
		var out []byte
		var took time.Duration
		for i := range rounds {
			fmt.Printf(">> bench %s (%s: round %d; a minute or two per round)\n", t.dir, what, i+1)
			o, d, err := goBench(ctx, r, t, flags)
			if err != nil {
				return err
			}
			out, took = append(out, o...), took+d
		}
		txt := filepath.Join(dir, t.name+".txt")
		if err := os.WriteFile(txt, append([]byte(header), out...), 0o644); err != nil {
			return err
		}
		if !*quick && !*check {
			rel := "benchmarks/results/" + t.name + ".txt"
			if err := writeTable(r, rel); err != nil {
				return err
			}
			if err := writeBenchstat(ctx, r, rel); err != nil {
				return err
			}
		}
		fmt.Printf(">> wrote %s in %s\n", txt, took.Round(time.Second))
		ran = append(ran, t)
	}
	if !*quick && !*check {
		return benchsite.Write(r)
	}
	fmt.Printf(">> quick run of %d targets in %s\n", len(ran), time.Since(start).Round(time.Second))
	return compareQuick(r, dir, ran, *check, *threshold)
}

// declaredBenchmarks is the -bench pattern of the top-level benchmarks a
// module's declared ratios name ("^Benchmark(FlatOut|AnchorChannel)$"), or "".
func declaredBenchmarks(r *repo.Repo, dir string) string {
	mods, err := benchratio.Modules(r)
	if err != nil {
		return ""
	}
	var top []string
	for _, m := range mods {
		if m.Dir != dir {
			continue
		}
		for _, p := range m.Bench.Ratios {
			for _, name := range []string{p.Bench, p.Anchor} {
				if t, _, _ := strings.Cut(name, "/"); !slices.Contains(top, t) {
					top = append(top, t)
				}
			}
		}
	}
	if len(top) == 0 {
		return ""
	}
	return "^Benchmark(" + strings.Join(top, "|") + ")$"
}

// goBench runs go test -bench on one target and returns its output.
func goBench(ctx context.Context, r *repo.Repo, t benchTarget, flags []string) ([]byte, time.Duration, error) {
	args := []string{"test", "-run", "^$", "-timeout", "60m"}
	if !slices.Contains(flags, "-bench") {
		args = append(args, "-bench", ".")
	}
	if t.benchmem {
		args = append(args, "-benchmem")
	}
	args = append(args, flags...)
	args = append(args, strings.Fields(os.Getenv("BENCHFLAGS"))...)
	args = append(args, "./"+t.dir+"/...")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = r.Root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	start := time.Now()
	err := cmd.Run()
	// a benchmark that fails inside one of several -count runs can still end in PASS
	if err == nil && bytes.Contains(out.Bytes(), []byte("--- FAIL")) {
		err = errors.New("a benchmark failed")
	}
	if err != nil {
		os.Stdout.Write(out.Bytes())
		return nil, 0, fmt.Errorf("bench %s: %w", t.dir, err)
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "--- SKIP") {
			fmt.Fprintf(os.Stderr, ">> %s: %s (a declared ratio that needs it fails below)\n", t.dir, strings.TrimSpace(line))
		}
	}
	return out.Bytes(), time.Since(start), nil
}

// compareQuick measures the declared ratios of a quick run; with check it
// fails on a ratio that grew beyond threshold over its committed value,
// naming the benchmark.
func compareQuick(r *repo.Repo, dir string, ran []benchTarget, check bool, threshold float64) error {
	declared, err := benchratio.Modules(r)
	if err != nil {
		return err
	}
	var now, committed []benchratio.Ratio
	var errs []error
	for _, m := range declared {
		if !slices.ContainsFunc(ran, func(t benchTarget) bool { return t.dir == m.Dir }) {
			continue
		}
		rs, err := benchratio.MeasureFile(r, m, filepath.Join(dir, m.Name+".txt"))
		errs = append(errs, err) // a declared benchmark or anchor that did not run
		now = append(now, rs...)
		if check {
			cs, err := benchratio.MeasureFile(r, m, m.Results)
			errs = append(errs, err)
			committed = append(committed, cs...)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, n := range now {
		fmt.Printf("   %s: %s / %s (%s): %s\n", n.Module, n.Bench, n.Anchor, n.Unit, benchratio.FormatRatio(n.Value))
	}
	if !check {
		fmt.Printf(">> every benchmark and anchor ran; %d ratios measured\n", len(now))
		return nil
	}
	regressions, missing := benchratio.Compare(committed, now, threshold)
	for _, g := range regressions {
		fmt.Fprintln(os.Stderr, "bench-check: regression: "+g.String())
	}
	for _, m := range missing {
		fmt.Fprintln(os.Stderr, "bench-check: "+m)
	}
	if n := len(regressions) + len(missing); n > 0 {
		return fmt.Errorf("bench-check: %s more than %.0f%% beyond the worst committed round (or missing)", plural(n, "ratio"), 100*threshold)
	}
	fmt.Printf(">> bench-check: %d ratios within %.0f%% of the worst committed round\n", len(now), 100*threshold)
	return nil
}

// writeBenchstat writes benchstat's summary of a results file (median and
// 95% confidence interval of each benchmark) beside it, as <name>.benchstat.
func writeBenchstat(ctx context.Context, r *repo.Repo, txt string) error {
	cmd := exec.CommandContext(ctx, "go", "run", "golang.org/x/perf/cmd/benchstat", r.Path(txt))
	cmd.Dir = r.Path("tools") // the version tools/go.mod requires
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("benchstat %s: %w", txt, err)
	}
	// benchstat names its input by the path it was given: keep the relative one
	s := strings.ReplaceAll(out.String(), r.Path(txt), txt)
	return os.WriteFile(r.Path(strings.TrimSuffix(txt, ".txt")+".benchstat"), []byte(s), 0o644)
}

func runBenchTable(args []string) error {
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	txts, err := r.Files("benchmarks/results", ".txt")
	if err != nil {
		return err
	}
	for _, t := range txts {
		if err := writeTable(r, t); err != nil {
			return err
		}
	}
	return benchsite.Write(r)
}

func writeTable(r *repo.Repo, txt string) error {
	in, err := os.Open(r.Path(txt))
	if err != nil {
		return err
	}
	defer in.Close()
	var md bytes.Buffer
	if err := benchtable.Render(in, txt, &md); err != nil {
		return err
	}
	return os.WriteFile(r.Path(strings.TrimSuffix(txt, ".txt")+".md"), md.Bytes(), 0o644)
}

// machineHeader is the benchfmt configuration naming the run's machine and
// how loaded it was when the run started.
func machineHeader(ctx context.Context, r *repo.Repo) string {
	commit := "unknown"
	if out, err := exec.CommandContext(ctx, "git", "-C", r.Root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		commit = strings.TrimSpace(string(out))
	}
	load := "unknown"
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(data)); len(f) >= 3 {
			load = fmt.Sprintf("%s %s %s (1, 5, 15 min at the start; other work shares the cores: compare ratios, not absolute numbers)", f[0], f[1], f[2])
		}
	}
	return fmt.Sprintf("date: %s\ncommit: %s\nmachine: %d cores, %s RAM\nloadavg: %s\ngo: %s\n",
		time.Now().UTC().Format("2006-01-02"), commit, runtime.NumCPU(), memTotal(), load, runtime.Version())
}

func memTotal() string {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		var kb int64
		if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
			return fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown"
}
