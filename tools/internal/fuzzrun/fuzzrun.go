// Package fuzzrun runs every Fuzz target of the repository's modules for a
// set time each, one at a time. A package's fuzzing test binary is built
// once and runs each of its targets: `go test -fuzz` would link one per
// target, which on the lab's larger packages (Kubernetes clients, Temporal)
// costs more than the fuzzing itself.
//
// The binary is instrumented for coverage guidance in the workspace's own
// packages only (-gcflags=<module>/...=-d=libfuzzer, the flag `go test
// -fuzz` gives every package), where the code under test is; the
// dependencies keep the build every other command uses. `go test -fuzz`
// would compile all of them a second time, instrumented (Kubernetes,
// Temporal, gRPC): CI's 3-second pass took 18 minutes on a cold machine that
// way, 8.5 this way (5 either way with the build cache warm).
package fuzzrun

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/patternlab/patternlab/kit/logtail"
)

// Package is one Go package with Fuzz targets.
type Package struct {
	ImportPath string
	Dir        string
	Targets    []string // FuzzXxx, sorted
}

// Find lists the packages under the given patterns (./patterns/cqrs/...)
// that hold Fuzz targets, in the files that build with the default tags.
func Find(ctx context.Context, root string, patterns []string) ([]Package, error) {
	args := append([]string{"list", "-f", "{{.ImportPath}}|{{.Dir}}|{{join .TestGoFiles \",\"}},{{join .XTestGoFiles \",\"}}"}, patterns...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v: %s", err, stderr.String())
	}
	var pkgs []Package
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "|", 3)
		if len(parts) != 3 {
			continue
		}
		p := Package{ImportPath: parts[0], Dir: parts[1]}
		for _, f := range strings.Split(parts[2], ",") {
			if f == "" {
				continue
			}
			names, err := Targets(filepath.Join(p.Dir, f))
			if err != nil {
				return nil, err
			}
			p.Targets = append(p.Targets, names...)
		}
		if len(p.Targets) > 0 {
			sort.Strings(p.Targets)
			pkgs = append(pkgs, p)
		}
	}
	return pkgs, sc.Err()
}

// Targets returns the Fuzz targets a test file declares: top-level
// functions FuzzXxx(f *testing.F).
func Targets(file string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Fuzz") || fn.Type.Params.NumFields() != 1 {
			continue
		}
		if star, ok := fn.Type.Params.List[0].Type.(*ast.StarExpr); ok {
			if sel, ok := star.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "F" {
				names = append(names, fn.Name.Name)
			}
		}
	}
	return names, nil
}

// Run builds each package's fuzzing test binary once and runs each target
// for d, from the package's directory (so its seed corpus in testdata/fuzz
// is read, and a crasher is written there). It stops at the first failure.
func Run(ctx context.Context, root string, pkgs []Package, d time.Duration, out io.Writer) error {
	gocache, err := goEnv(ctx, root, "GOCACHE")
	if err != nil {
		return err
	}
	bins, err := os.MkdirTemp("", "patternlab-fuzz-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bins)
	total := 0
	for _, p := range pkgs {
		total += len(p.Targets)
	}
	instrument, err := instrumentFlags(ctx, root)
	if err != nil {
		return err
	}
	i, start := 0, time.Now()
	for k, p := range pkgs {
		bin := filepath.Join(bins, fmt.Sprintf("%d.test", k))
		build := exec.CommandContext(ctx, "go", append(append([]string{"test", "-c", "-o", bin}, instrument...), p.ImportPath)...)
		build.Dir, build.Stdout, build.Stderr = root, out, out
		if err := build.Run(); err != nil {
			return fmt.Errorf("build the fuzzing test binary of %s: %w", p.ImportPath, err)
		}
		for _, name := range p.Targets {
			i++
			fmt.Fprintf(out, ">> [%d/%d] %s in %s for %s\n", i, total, name, rel(root, p.Dir), d)
			if err := runTarget(ctx, root, bin, gocache, p, name, d, out); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(out, ">> fuzz: %d targets in %d packages, %s each, no crash, %s\n", total, len(pkgs), d, time.Since(start).Round(time.Second))
	return nil
}

// raceRetries is how many times a target is run again after a failure
// that is Go's fuzzing coordinator and not the target (see coordinatorRace).
const raceRetries = 2

// runTarget fuzzes one target for d. A failure that wrote no crasher and
// says only "context deadline exceeded" is the race in Go's fuzzing
// coordinator at the end of -fuzztime (go.dev/issue/75804: the -fuzztime
// deadline reaches the coordinator before its workers' context, so their
// normal stop is reported as a failure; fixed in Go 1.27, not in 1.26.x).
// It is said so and the target runs again, up to raceRetries times; any
// other failure, or a new file in the target's corpus, fails the run.
func runTarget(ctx context.Context, root, bin, gocache string, p Package, name string, d time.Duration, out io.Writer) error {
	corpus := filepath.Join(p.Dir, "testdata", "fuzz", name)
	for attempt := 0; ; attempt++ {
		before := files(corpus)
		// the run's last lines: its failure report, bounded however long it
		// fuzzes (a report cut by a long stack trace is not the race)
		tail := logtail.Tail{Lines: 100}
		run := exec.CommandContext(ctx, bin, "-test.run=^$", "-test.fuzz=^"+name+"$",
			"-test.fuzztime="+d.String(), "-test.fuzzcachedir="+filepath.Join(gocache, "fuzz", p.ImportPath))
		run.Dir = p.Dir
		run.Stdout = io.MultiWriter(out, &tail)
		run.Stderr = run.Stdout
		err := run.Run()
		if err == nil {
			return nil
		}
		crashers := newFiles(before, files(corpus))
		if len(crashers) > 0 {
			for k, c := range crashers {
				crashers[k] = filepath.Join(rel(root, corpus), c)
			}
			return fmt.Errorf("%s in %s failed (%v); the failing input is %s", name, rel(root, p.Dir), err,
				strings.Join(crashers, ", "))
		}
		if ctx.Err() == nil && coordinatorRace(tail.String()) && attempt < raceRetries {
			fmt.Fprintf(out, ">> %s: \"context deadline exceeded\" with no failing input written: the race in Go's fuzzing coordinator at the end of -fuzztime (go.dev/issue/75804), not the target; running it again\n", name)
			continue
		}
		return fmt.Errorf("%s in %s failed (%v) and wrote no new input to %s: the failure is in the output above (a seed input, or the target itself)",
			name, rel(root, p.Dir), err, rel(root, corpus))
	}
}

// coordinatorRace reports whether a failed fuzzing run's output is the
// coordinator's own error and nothing else: the target's FAIL line followed
// by "context deadline exceeded", and no panic, t.Fatal or crasher message.
func coordinatorRace(output string) bool {
	var failure []string
	in := false
	for _, l := range strings.Split(output, "\n") {
		switch {
		case strings.HasPrefix(l, "--- FAIL: Fuzz"):
			if in || strings.Contains(l, "/") { // a second failure, or a seed input's subtest
				return false
			}
			in = true
		case in && strings.TrimSpace(l) != "" && strings.TrimSpace(l) != "FAIL" && !strings.HasPrefix(l, "exit status"):
			failure = append(failure, strings.TrimSpace(l))
		}
	}
	return in && len(failure) == 1 && failure[0] == "context deadline exceeded"
}

// files lists the names in a corpus directory (none if it does not exist).
func files(dir string) map[string]bool {
	names := map[string]bool{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names
}

func newFiles(before, after map[string]bool) []string {
	var added []string
	for n := range after {
		if !before[n] {
			added = append(added, n)
		}
	}
	sort.Strings(added)
	return added
}

// instrumentFlags are the -gcflags that instrument for fuzzing the
// packages of every module of the workspace (or of the one module) at root.
func instrumentFlags(ctx context.Context, root string) ([]string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Path}}")
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -m: %w", err)
	}
	var flags []string
	for _, m := range strings.Fields(string(b)) {
		flags = append(flags, "-gcflags="+m+"/...=-d=libfuzzer")
	}
	if len(flags) == 0 {
		return nil, fmt.Errorf("go list -m in %s listed no module", root)
	}
	return flags, nil
}

func goEnv(ctx context.Context, root, name string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", name)
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func rel(root, dir string) string {
	if r, err := filepath.Rel(root, dir); err == nil {
		return "./" + r
	}
	return dir
}
