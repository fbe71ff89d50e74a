package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/patternlab/patternlab/tools/internal/benchtable"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// runBench runs each demo module's benchmarks (all, or the named ones) and
// writes benchmarks/results/<name>.txt, headed by the machine they ran on,
// and its table <name>.md. BENCHFLAGS adds go test flags (e.g. -count=5).
func runBench(ctx context.Context, names []string) error {
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	mods, err := demoModules(r)
	if err != nil {
		return err
	}
	if r.Exists("languages/go.mod") { // Go beside Java and Rust, in the same run
		mods = append(mods, "languages")
	}
	header := machineHeader(ctx, r)
	for _, m := range mods {
		name := filepath.Base(m)
		if len(names) > 0 && !slices.Contains(names, name) {
			continue
		}
		fmt.Printf(">> bench %s (go test -bench, a minute or two per module)\n", m)
		args := []string{"test", "-run", "^$", "-bench", "."}
		if m != "languages" { // languages measures other processes: Go's allocation counters say nothing there
			args = append(args, "-benchmem")
		}
		args = append(args, strings.Fields(os.Getenv("BENCHFLAGS"))...)
		args = append(args, "./"+m+"/...")
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = r.Root
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			os.Stdout.Write(out.Bytes())
			return fmt.Errorf("bench %s: %w", m, err)
		}
		txt := "benchmarks/results/" + name + ".txt"
		if err := os.MkdirAll(r.Path("benchmarks/results"), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(r.Path(txt), append([]byte(header), out.Bytes()...), 0o644); err != nil {
			return err
		}
		if err := writeTable(r, txt); err != nil {
			return err
		}
		fmt.Printf(">> wrote %s and its table in %s\n", txt, time.Since(start).Round(time.Second))
	}
	return nil
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
	return nil
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

// machineHeader is the benchfmt configuration naming the run's machine.
func machineHeader(ctx context.Context, r *repo.Repo) string {
	commit := "unknown"
	if out, err := exec.CommandContext(ctx, "git", "-C", r.Root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		commit = strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("date: %s\ncommit: %s\nmachine: %d cores, %s RAM\ngo: %s\n",
		time.Now().UTC().Format("2006-01-02"), commit, runtime.NumCPU(), memTotal(), runtime.Version())
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
