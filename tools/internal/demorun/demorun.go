// Package demorun is `make demo`: it runs the demos whose servers are ready
// first, then builds the missing servers with a line per phase (the go
// command's output in a log file), then runs the rest. It is its own small
// program (tools/cmd/rundemos), so that a fresh clone compiles only what
// running the demos needs before the first demo speaks, not the rest of the
// tools (Chromium's protocol bindings take minutes to compile cold).
package demorun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Need is a server a demo needs beyond Go (pattern.yaml `needs:`), built
// once into the cache by its script, which prints the path to export.
type Need struct {
	Name   string // what it is
	Script string // root-relative
	Env    string // the variable the demo reads
	Took   string // how long the first build takes
}

// Needs are the servers of pattern.yaml `needs:`, by name.
var Needs = map[string]Need{
	"temporal-cli": {"the Temporal CLI (dev server)", "tools/servers/temporal.sh", "TEMPORAL_CLI", "about 5 min"},
	"envtest":      {"envtest's kube-apiserver and etcd", "tools/servers/envtest.sh", "KUBEBUILDER_ASSETS", "about 13 min"},
}

// Run is `make demo`: it runs first the demos whose servers are ready,
// says what must be built for the others and about how long, builds each
// server with a line per phase (the go command's own output goes to a log
// file), then runs the rest. Args after "--" go to every demo.
func Run(ctx context.Context, args []string) error {
	var names, demoArgs []string
	for i, a := range args {
		if a == "--" {
			demoArgs = args[i+1:]
			break
		}
		names = append(names, a)
	}
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	mods, err := Modules(r)
	if err != nil {
		return err
	}
	if len(names) > 0 {
		var picked []string
		for _, n := range names {
			m, err := demoNamed(mods, n)
			if err != nil {
				return err
			}
			picked = append(picked, m)
		}
		mods = picked
	}
	logs := filepath.Join(os.TempDir(), "patternlab-demo")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	env := os.Environ()
	ready := map[string]bool{}
	for n, nd := range Needs {
		if path, err := exec.CommandContext(ctx, nd.Script, "--ready").Output(); err == nil {
			ready[n] = true
			env = append(env, nd.Env+"="+strings.TrimSpace(string(path)))
		}
	}
	var now, later []string
	missing := map[string]bool{}
	for _, m := range mods {
		ok := true
		for _, n := range moduleNeeds(r, m) {
			if !ready[n] {
				ok, missing[n] = false, true
			}
		}
		if ok {
			now = append(now, m)
		} else {
			later = append(later, m)
		}
	}
	if len(later) > 0 {
		var what []string
		for n := range missing {
			what = append(what, Needs[n].Name+" ("+Needs[n].Took+" the first time)")
		}
		fmt.Printf(">> %s run now; %s need %s, built once after them\n",
			list(now), list(later), strings.Join(what, " and "))
	}
	var failed []string
	run := func(m string) {
		if err := runOneDemo(ctx, r, m, demoArgs, env, logs); err != nil {
			failed = append(failed, filepath.Base(m))
			if !errors.Is(err, errViolated) {
				fmt.Printf(">> %s: %v\n", m, err)
			}
		}
		fmt.Println()
	}
	for _, m := range now {
		run(m)
	}
	for _, n := range []string{"temporal-cli", "envtest"} {
		if !missing[n] || ctx.Err() != nil {
			continue
		}
		nd := Needs[n]
		log := filepath.Join(logs, n+"-build.log")
		fmt.Printf(">> building %s now (%s); the go command's output goes to %s\n", nd.Name, nd.Took, log)
		cmd := exec.CommandContext(ctx, nd.Script)
		cmd.Dir = r.Root
		cmd.Env = append(os.Environ(), "BUILD_LOG="+log)
		cmd.Stderr = os.Stdout
		path, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("build %s: %w (log: %s)", nd.Name, err, log)
		}
		env = append(env, nd.Env+"="+strings.TrimSpace(string(path)))
	}
	for _, m := range later {
		if ctx.Err() == nil {
			run(m)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("demos that did not hold: %s", strings.Join(failed, " "))
	}
	fmt.Printf(">> every demo held its invariant: %d run\n", len(mods))
	return nil
}

var errViolated = errors.New("the demo did not hold")

// runOneDemo builds the demo binary (the first build downloads the module's
// dependencies: that output goes to a log) and runs it with args.
func runOneDemo(ctx context.Context, r *repo.Repo, m string, args, env []string, logs string) error {
	name := filepath.Base(m)
	bin := filepath.Join(logs, "bin", name)
	log := filepath.Join(logs, name+"-build.log")
	start := time.Now()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./"+m+"/cmd/demo")
	build.Dir = r.Root
	f, err := os.Create(log)
	if err != nil {
		return err
	}
	build.Stdout, build.Stderr = f, f
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			fmt.Printf(">> building the %s demo (the first build downloads its modules; output in %s)\n", name, log)
		}
	}()
	err = build.Run()
	close(done)
	f.Close()
	if err != nil {
		out, _ := os.ReadFile(log)
		return fmt.Errorf("build failed after %s:\n%s", time.Since(start).Round(time.Second), out)
	}
	fmt.Printf(">> make demo P=%s: go run ./%s/cmd/demo %s%s\n", name, m, strings.Join(args, " "), sinceStart())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = r.Root
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return errViolated
		}
		return err
	}
	return nil
}

// EnvStart is when `make demo` started (Unix seconds, set by the Makefile
// before it builds this runner), so the first demo's line says how long a
// newcomer waited for it.
const EnvStart = "PATTERNLAB_DEMO_START"

var firstDemo = true

// sinceStart is " (Ns after make demo started)" for the first demo, else "".
func sinceStart() string {
	if !firstDemo {
		return ""
	}
	firstDemo = false
	sec, err := strconv.ParseFloat(os.Getenv(EnvStart), 64)
	if err != nil {
		return ""
	}
	return fmt.Sprintf(" (the first demo, %s after make demo started)", time.Since(time.Unix(0, int64(sec*1e9))).Round(time.Second))
}

// moduleNeeds reads pattern.yaml's needs of a module directory.
func moduleNeeds(r *repo.Repo, dir string) []string {
	kind, name, _ := strings.Cut(dir, "/")
	p, err := r.ReadPattern(repo.Module{Kind: kind, Name: name})
	if err != nil {
		return nil
	}
	return p.Needs
}

func demoNamed(mods []string, name string) (string, error) {
	var names []string
	for _, m := range mods {
		if filepath.Base(m) == name || m == name {
			return m, nil
		}
		names = append(names, filepath.Base(m))
	}
	return "", fmt.Errorf("no demo named %q; the demos are: %s", name, strings.Join(names, ", "))
}

func list(mods []string) string {
	if len(mods) == 0 {
		return "no demo"
	}
	var b []string
	for _, m := range mods {
		b = append(b, filepath.Base(m))
	}
	return strings.Join(b, ", ")
}

// Modules lists the pattern modules, then the industry modules, of go.work.
func Modules(r *repo.Repo) ([]string, error) {
	uses, err := r.WorkUses()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, kind := range repo.ContractDirs {
		for _, u := range uses {
			if strings.HasPrefix(u, kind+"/") && r.Exists(u+"/cmd/demo") {
				out = append(out, u)
			}
		}
	}
	return out, nil
}
