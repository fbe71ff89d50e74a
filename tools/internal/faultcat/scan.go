package faultcat

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Prefix starts a tag line in a comment.
const Prefix = "Fault:"

// Scenario is one tagged scenario: a fault of Kind injected into Target by
// the test Test, which checks Invariant.
type Scenario struct {
	Module    string // "patterns/saga"
	File      string // root-relative, slash-separated
	Line      int    // the line of `func TestX`
	Test      string // "TestX"
	Kind      string // a Kinds ID
	Target    string
	Invariant string
	// Integration is true for a test of the integration tier (build tag
	// integration: real servers in containers or processes).
	Integration bool
}

// Finding is one broken rule: where, and what is wrong.
type Finding struct {
	File string
	Line int
	Msg  string
}

func (f Finding) String() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Msg)
	}
	return f.File + ": " + f.Msg
}

// Scan reads every tag in the Go files of the modules under patterns/ and
// industries/: the scenarios of well-formed tags on Test functions, and a
// finding for every other tag (malformed, unknown kind, or not on a test).
func Scan(r *repo.Repo) ([]Scenario, []Finding, error) {
	mods, err := r.Modules()
	if err != nil {
		return nil, nil, err
	}
	var scenarios []Scenario
	var findings []Finding
	for _, m := range mods {
		err := filepath.WalkDir(r.Path(m.Dir()), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if p != r.Path(m.Dir()) && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" || name == "node_modules") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(name, ".go") {
				return nil
			}
			rel, err := filepath.Rel(r.Root, p)
			if err != nil {
				return err
			}
			s, f, err := scanFile(m.Dir(), filepath.ToSlash(rel), p)
			scenarios = append(scenarios, s...)
			findings = append(findings, f...)
			return err
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
	}
	return scenarios, findings, nil
}

func scanFile(module, rel, path string) ([]Scenario, []Finding, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
	if err != nil {
		return nil, []Finding{{File: rel, Msg: fmt.Sprintf("cannot parse: %v", err)}}, nil
	}
	integration := hasIntegrationTag(f)
	testing := testingImport(f)
	docOf := map[*ast.CommentGroup]*ast.FuncDecl{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Doc != nil {
			docOf[fd.Doc] = fd
		}
	}
	var scenarios []Scenario
	var findings []Finding
	for _, g := range f.Comments {
		fd := docOf[g]
		for _, c := range g.List {
			text, ok := tagText(c.Text)
			if !ok {
				continue
			}
			line := fset.Position(c.Slash).Line
			bad := func(format string, args ...any) {
				findings = append(findings, Finding{File: rel, Line: line, Msg: fmt.Sprintf(format, args...)})
			}
			switch {
			case fd == nil:
				bad("a %s tag outside a test's doc comment: put it in the doc comment of the Test function that injects the fault", Prefix)
				continue
			case !strings.HasSuffix(rel, "_test.go") || !isTest(fd, testing):
				bad("a %s tag on %s, which is not a test: tag the func TestXxx(t *testing.T) that injects the fault", Prefix, fd.Name.Name)
				continue
			}
			s, err := parseTag(text)
			if err != nil {
				bad("%v", err)
				continue
			}
			s.Module, s.File, s.Test, s.Integration = module, rel, fd.Name.Name, integration
			s.Line = fset.Position(fd.Type.Func).Line
			scenarios = append(scenarios, s)
		}
	}
	return scenarios, findings, nil
}

// tagText is the text after "Fault:" of a line comment that is a tag.
func tagText(comment string) (string, bool) {
	if !strings.HasPrefix(comment, "//") {
		return "", false
	}
	line := strings.TrimSpace(strings.TrimPrefix(comment, "//"))
	if !strings.HasPrefix(line, Prefix) {
		return "", false
	}
	return strings.TrimSpace(strings.TrimPrefix(line, Prefix)), true
}

// parseTag reads "KIND | target: T | invariant: I".
func parseTag(text string) (Scenario, error) {
	form := fmt.Sprintf("want `%s KIND | target: WHAT | invariant: WHAT HOLDS`", Prefix)
	parts := strings.Split(text, "|")
	var s Scenario
	s.Kind = strings.TrimSpace(parts[0])
	if _, ok := kindByID(s.Kind); !ok {
		return s, fmt.Errorf("unknown fault kind %q: one of %s (%s)", s.Kind, strings.Join(kindIDs(), ", "), form)
	}
	for _, p := range parts[1:] {
		key, value, ok := strings.Cut(p, ":")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || value == "" {
			return s, fmt.Errorf("field %q has no value (%s)", strings.TrimSpace(p), form)
		}
		switch key {
		case "target":
			s.Target = value
		case "invariant":
			s.Invariant = value
		default:
			return s, fmt.Errorf("unknown field %q (%s)", key, form)
		}
	}
	if s.Target == "" || s.Invariant == "" {
		return s, fmt.Errorf("a tag names its target and its invariant (%s)", form)
	}
	return s, nil
}

// isTest reports whether fd is func TestXxx(t *testing.T), as go test
// runs it (TestMain and helpers are not).
func isTest(fd *ast.FuncDecl, testingName string) bool {
	if fd.Recv != nil || !strings.HasPrefix(fd.Name.Name, "Test") || testingName == "" {
		return false
	}
	if rest := strings.TrimPrefix(fd.Name.Name, "Test"); rest != "" {
		if r, _ := utf8.DecodeRuneInString(rest); unicode.IsLower(r) {
			return false
		}
	}
	params := fd.Type.Params.List
	if len(params) != 1 || len(params[0].Names) > 1 || fd.Type.Results != nil {
		return false
	}
	star, ok := params[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == testingName && sel.Sel.Name == "T"
}

// testingImport is the name the file imports "testing" under ("" if none).
func testingImport(f *ast.File) string {
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == "testing" {
			if imp.Name != nil {
				return imp.Name.Name
			}
			return "testing"
		}
	}
	return ""
}

func hasIntegrationTag(f *ast.File) bool {
	for _, g := range f.Comments {
		if g.Pos() >= f.Package {
			break
		}
		for _, c := range g.List {
			if strings.HasPrefix(c.Text, "//go:build") && strings.Contains(c.Text, "integration") && !strings.Contains(c.Text, "!integration") {
				return true
			}
		}
	}
	return false
}
