// Package fuzzrun runs every Fuzz target of the repository's modules for a
// set time each, one at a time. A package's fuzzing test binary is built
// once and runs each of its targets: `go test -fuzz` would link one per
// target, which on the lab's larger packages (Kubernetes clients, Temporal)
// costs more than the fuzzing itself.
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
	i, start := 0, time.Now()
	for k, p := range pkgs {
		bin := filepath.Join(bins, fmt.Sprintf("%d.test", k))
		build := exec.CommandContext(ctx, "go", "test", "-c", "-fuzz=.", "-o", bin, p.ImportPath)
		build.Dir, build.Stdout, build.Stderr = root, out, out
		if err := build.Run(); err != nil {
			return fmt.Errorf("build the fuzzing test binary of %s: %w", p.ImportPath, err)
		}
		for _, name := range p.Targets {
			i++
			fmt.Fprintf(out, ">> [%d/%d] %s in %s for %s\n", i, total, name, rel(root, p.Dir), d)
			run := exec.CommandContext(ctx, bin, "-test.run=^$", "-test.fuzz=^"+name+"$",
				"-test.fuzztime="+d.String(), "-test.fuzzcachedir="+filepath.Join(gocache, "fuzz", p.ImportPath))
			run.Dir, run.Stdout, run.Stderr = p.Dir, out, out
			if err := run.Run(); err != nil {
				return fmt.Errorf("%s in %s failed (%v); its input is in %s", name, rel(root, p.Dir), err,
					filepath.Join(rel(root, p.Dir), "testdata", "fuzz", name))
			}
		}
	}
	fmt.Fprintf(out, ">> fuzz: %d targets in %d packages, %s each, no crash, %s\n", total, len(pkgs), d, time.Since(start).Round(time.Second))
	return nil
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
