package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/patternlab/patternlab/tools/internal/flakehunt"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// runFlakeHunt runs each module's tests N times with -race while a second
// process keeps every core busy, and prints per test how many runs failed
// and the first failure. The JSON of every failed run stays in -logs.
func runFlakeHunt(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("flake-hunt", flag.ExitOnError)
	n := fs.Int("n", 20, "runs per module")
	tier := fs.String("tier", "unit", "unit (make test) or integration (make test-integration)")
	burn := fs.String("burn", "auto", "keep every core busy with a CPU-bound process while the tests run: on, off, or auto (on unless the machine is already loaded: load average >= cores)")
	logs := fs.String("logs", filepath.Join(os.TempDir(), "patternlab-flakehunt"), "where failed runs' logs go")
	race := fs.Bool("race", true, "run with -race")
	_ = fs.Parse(args)
	if *n < 1 || (*tier != "unit" && *tier != "integration") {
		return fmt.Errorf("want -n >= 1 and -tier unit|integration")
	}
	if *burn != "on" && *burn != "off" && *burn != "auto" {
		return fmt.Errorf("want -burn on|off|auto, not %q", *burn)
	}
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	mods, err := selectModules(r, fs.Args())
	if err != nil {
		return err
	}
	if *burn == "on" || (*burn == "auto" && loadAverage() < float64(runtime.NumCPU())) {
		stop, err := startBurner(ctx)
		if err != nil {
			return err
		}
		defer stop()
		fmt.Printf(">> a CPU-bound process keeps %d cores busy while the tests run\n", runtime.NumCPU())
	} else if *burn == "off" {
		// the caller's own processes are the contention (or there is none): say which
		fmt.Printf(">> no CPU burner (-burn off): load average %.1f on %d cores\n", loadAverage(), runtime.NumCPU())
	} else {
		fmt.Printf(">> no CPU burner: load average %.1f on %d cores is contention enough\n", loadAverage(), runtime.NumCPU())
	}
	failed := 0
	for _, m := range mods {
		var rep flakehunt.Report
		dir := filepath.Join(*logs, strings.ReplaceAll(m, "/", "_"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for i := 1; i <= *n; i++ {
			start := time.Now()
			goArgs := []string{"test", "-json", "-count=1"}
			if *race {
				goArgs = append(goArgs, "-race")
			}
			if *tier == "integration" {
				goArgs = append(goArgs, "-tags", "integration", "-run", "Integration", "-timeout", "30m")
			}
			goArgs = append(goArgs, "./"+m+"/...")
			cmd := exec.CommandContext(ctx, "go", goArgs...)
			cmd.Dir = r.Root
			out, _ := cmd.Output() // a failing run exits non-zero: the JSON says which tests
			if ctx.Err() != nil {
				return ctx.Err()
			}
			run, err := flakehunt.Parse(strings.NewReader(string(out)))
			if err != nil {
				return fmt.Errorf("%s run %d: %w", m, i, err)
			}
			rep.Add(run)
			verdict := "pass"
			if len(run.Failed) > 0 {
				verdict = fmt.Sprintf("FAIL (%d tests)", len(run.Failed))
				log := filepath.Join(dir, fmt.Sprintf("run-%02d.json", i))
				_ = os.WriteFile(log, out, 0o644)
				verdict += ", log " + log
			}
			fmt.Printf(">> %s %s run %d/%d: %s in %s\n", m, *tier, i, *n, verdict, time.Since(start).Round(time.Second))
		}
		rep.Write(os.Stdout, m+" ("+*tier+")")
		failed += len(rep.Failures())
	}
	if failed > 0 {
		return fmt.Errorf("%d tests failed at least once", failed)
	}
	return nil
}

// selectModules is every module of go.work with tests, or the named ones
// (by directory name: saga, or path: patterns/saga).
func selectModules(r *repo.Repo, names []string) ([]string, error) {
	uses, err := r.WorkUses()
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return uses, nil
	}
	var out []string
	for _, n := range names {
		found := false
		for _, u := range uses {
			if u == n || filepath.Base(u) == n {
				out, found = append(out, u), true
			}
		}
		if !found {
			return nil, fmt.Errorf("no module %q in go.work", n)
		}
	}
	return out, nil
}

// loadAverage is the 1-minute load average (0 where /proc/loadavg is missing).
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(data))[0], 64)
	return f
}

// startBurner re-executes this program as "burn": one process whose
// goroutines spin on every core until it is killed.
func startBurner(ctx context.Context) (func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "burn")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the CPU burner: %w", err)
	}
	return func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }, nil
}

// runBurn spins on every core until killed.
func runBurn() {
	for range runtime.NumCPU() - 1 {
		go spin()
	}
	spin()
}

func spin() {
	x := uint64(1)
	for {
		x = x*6364136223846793005 + 1442695040888963407
		if x == 0 {
			fmt.Print("")
		}
	}
}
