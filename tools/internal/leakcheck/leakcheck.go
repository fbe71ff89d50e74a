// Package leakcheck is the rule that every Go package which starts
// goroutines checks, in its tests, that none outlive them: its tests run
// under a TestMain that calls goleak (kit/labtest.VerifyNoLeaks or
// goleak.VerifyTestMain), and make test runs them with -race.
//
// The rule is deliberately simple, and errs on the side of asking for a
// TestMain. A package starts goroutines when its non-test code has
//
//   - a go statement,
//   - a call of a method named Go (errgroup.Group.Go, sync.WaitGroup.Go), or
//   - an import of a client library that runs goroutines of its own for as
//     long as a connection or worker lives (see Spawners).
//
// A package without test files has nothing for goleak to watch and is left
// out (a thin cmd/demo main, for one); the packages it imports are checked.
package leakcheck

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Roots are the directories whose packages the rule covers.
var Roots = []string{"patterns", "industries", "kit", "tools"}

// Spawners are import paths (or prefixes ending in "/") whose use starts
// goroutines behind the caller's back: a NATS connection's reader and
// flusher, an embedded nats-server, Temporal's client and worker pollers, a
// controller-runtime manager, a testcontainers container's log producer.
var Spawners = []string{
	"github.com/nats-io/nats.go",
	"github.com/nats-io/nats.go/",
	"github.com/nats-io/nats-server/v2/server",
	"go.temporal.io/sdk/client",
	"go.temporal.io/sdk/worker",
	"sigs.k8s.io/controller-runtime",
	"sigs.k8s.io/controller-runtime/",
	"github.com/testcontainers/testcontainers-go",
}

// Finding is one package that starts goroutines and has no goleak TestMain.
type Finding struct {
	Dir    string // relative to the repository root
	Reason string // why it counts as starting goroutines
}

func (f Finding) String() string {
	return fmt.Sprintf("%s: starts goroutines (%s) but has no TestMain calling goleak; add main_test.go with "+
		"`func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }`", f.Dir, f.Reason)
}

// Check walks the roots under root and returns every package that breaks
// the rule, and how many packages it found starting goroutines.
func Check(root string) (findings []Finding, spawning int, err error) {
	for _, r := range Roots {
		base := filepath.Join(root, r)
		if _, err := os.Stat(base); err != nil {
			continue
		}
		err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				return nil
			}
			name := d.Name()
			if path != base && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules" || name == "vendor") {
				return filepath.SkipDir
			}
			pkg, err := inspect(path)
			if err != nil {
				return err
			}
			if pkg.reason == "" {
				return nil
			}
			spawning++
			if pkg.tests && !pkg.goleak {
				rel, _ := filepath.Rel(root, path)
				findings = append(findings, Finding{Dir: filepath.ToSlash(rel), Reason: pkg.reason})
			}
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	return findings, spawning, nil
}

// pkgFacts is what the rule needs to know of one directory's package.
type pkgFacts struct {
	reason string // why it starts goroutines; "" when it does not
	tests  bool   // it has test files for the default build
	goleak bool   // one of them has a TestMain that calls goleak
}

func inspect(dir string) (pkgFacts, error) {
	var p pkgFacts
	entries, err := os.ReadDir(dir)
	if err != nil {
		return p, err
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") {
			continue
		}
		if ok, err := build.Default.MatchFile(dir, name); err != nil || !ok {
			continue // another build (integration, another OS): not what make test runs
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return p, fmt.Errorf("parse %s: %w", filepath.Join(dir, name), err)
		}
		if strings.HasSuffix(name, "_test.go") {
			p.tests = true
			p.goleak = p.goleak || hasGoleakMain(f)
			continue
		}
		if p.reason == "" {
			p.reason = spawnReason(fset, f)
		}
	}
	return p, nil
}

// spawnReason says where f starts goroutines, or "".
func spawnReason(fset *token.FileSet, f *ast.File) string {
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if slices.ContainsFunc(Spawners, func(s string) bool {
			return path == s || (strings.HasSuffix(s, "/") && strings.HasPrefix(path, s))
		}) {
			return "imports " + path + " in " + filepath.Base(fset.Position(f.Pos()).Filename)
		}
	}
	var reason string
	ast.Inspect(f, func(n ast.Node) bool {
		if reason != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.GoStmt:
			reason = "go statement at " + position(fset, n.Pos())
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Go" {
				reason = "calls .Go at " + position(fset, n.Pos())
			}
		}
		return reason == ""
	})
	return reason
}

func position(fset *token.FileSet, pos token.Pos) string {
	p := fset.Position(pos)
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}

// hasGoleakMain reports a TestMain whose body calls VerifyNoLeaks or
// VerifyTestMain (kit/labtest's wrapper, or goleak itself).
func hasGoleakMain(f *ast.File) bool {
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || fn.Name.Name != "TestMain" || fn.Body == nil {
			continue
		}
		found := false
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				name := ""
				switch fun := call.Fun.(type) {
				case *ast.SelectorExpr: // labtest.VerifyNoLeaks, goleak.VerifyTestMain
					name = fun.Sel.Name
				case *ast.Ident: // inside kit/labtest itself
					name = fun.Name
				}
				found = name == "VerifyNoLeaks" || name == "VerifyTestMain"
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

// Findings is Check for make check: one line per package that breaks the rule.
func Findings(root string) ([]string, error) {
	found, _, err := Check(root)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, f := range found {
		lines = append(lines, f.String())
	}
	return lines, nil
}
