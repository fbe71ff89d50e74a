package compare

import (
	"fmt"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Problem is one rule broken, with the file to fix.
type Problem struct {
	File string
	Line int // 0 when it is about the whole file
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

type checker struct {
	r        *repo.Repo
	problems []Problem
	uses     []string            // go.work module directories
	patterns map[string]bool     // names of modules in patterns/
	pages    map[string]pageInfo // data key -> the page that renders it
	results  map[string]*Results // module -> its committed benchmark run
}

type pageInfo struct {
	path     string
	line     int
	includes map[string]bool
}

func (c *checker) add(file string, line int, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Check applies every rule of the Compare section and returns what is broken.
func Check(r *repo.Repo) ([]Problem, error) {
	c := &checker{r: r, patterns: map[string]bool{}, pages: map[string]pageInfo{}, results: map[string]*Results{}}
	var err error
	if c.uses, err = r.WorkUses(); err != nil {
		return nil, err
	}
	mods, err := r.Modules()
	if err != nil {
		return nil, err
	}
	for _, m := range mods {
		if m.Kind == "patterns" {
			c.patterns[m.Name] = true
		}
	}
	files, problems, err := Load(r)
	if err != nil {
		return nil, err
	}
	c.problems = append(c.problems, problems...)
	keys := map[string]bool{}
	for _, f := range files {
		keys[f.Key()] = true
	}
	if err := c.readPages(keys); err != nil {
		return nil, err
	}
	for _, f := range files {
		page, rendered := c.pages[f.Key()]
		if !rendered {
			c.add(f.Path, 0, "no page renders it: put <!-- compare: %s --> in a page under %s/", f.Key(), PagesDir)
		}
		for _, ex := range f.Examples() {
			c.example(f.Path, ex, page, rendered)
		}
		switch d := f.Data.(type) {
		case *ToolTable:
			c.tools(f.Path, d)
		case *System:
			c.system(f.Path, d)
		case *Frontier:
			c.frontier(f.Path, d)
		}
	}
	sort.SliceStable(c.problems, func(i, j int) bool {
		a, b := c.problems[i], c.problems[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return c.problems, nil
}

// readPages finds every marker under docs/compare/: each names a data file
// that exists, and each data file is rendered by one page only.
func (c *checker) readPages(keys map[string]bool) error {
	pages, err := c.r.Files(PagesDir, ".md")
	if err != nil {
		return err
	}
	for _, p := range pages {
		data, err := c.r.Read(p)
		if err != nil {
			return err
		}
		includes := map[string]bool{}
		for _, inc := range repo.ParsePage(data).Snippets {
			includes[path.Clean(inc.Path)] = true
			includes[inc.Path] = true
		}
		for key, line := range Markers(data) {
			if !keys[key] {
				c.add(p, line, "marker names %s, but there is no %s/%s.yaml", key, DataDir, key)
				continue
			}
			if other, dup := c.pages[key]; dup {
				c.add(p, line, "%s is already rendered by %s: render a data file in one page", key, other.path)
				continue
			}
			c.pages[key] = pageInfo{path: p, line: line, includes: includes}
		}
	}
	return nil
}

// example: the file exists, Go code is in a module of go.work (so it is
// compiled and tested), and the page shows the whole file.
func (c *checker) example(file, ex string, page pageInfo, rendered bool) {
	clean := path.Clean(ex)
	switch {
	case ex == "" || strings.HasPrefix(clean, "../") || path.IsAbs(ex):
		c.add(file, 0, "example %q is not a path inside the repository", ex)
		return
	case strings.Contains(ex, ":"):
		c.add(file, 0, "example %q names part of a file: name the whole file (snippets include whole files)", ex)
		return
	case !c.r.Exists(clean) || isDir(c.r, clean):
		c.add(file, 0, "example %s does not exist", ex)
		return
	}
	if strings.HasSuffix(clean, ".go") && !c.inWorkModule(clean) {
		c.add(file, 0, "example %s is in no module of go.work, so nothing compiles or tests it", ex)
	}
	if rendered && !page.includes[clean] {
		c.add(page.path, page.line, "does not show example %s: include it whole with --8<-- \"%s\"", ex, clean)
	}
}

func (c *checker) inWorkModule(p string) bool {
	for _, u := range c.uses {
		if u != "." && strings.HasPrefix(p, u+"/") {
			return true
		}
	}
	return false
}

func (c *checker) tools(file string, t *ToolTable) {
	if t.Title == "" {
		c.add(file, 0, "title is required")
	}
	if len(t.Tools) == 0 {
		c.add(file, 0, "tools is empty")
	}
	seen := map[string]bool{}
	for i, tool := range t.Tools {
		where := fmt.Sprintf("tools[%d] (%s)", i, tool.Name)
		if seen[tool.Name] {
			c.add(file, 0, "%s: tool named twice", where)
		}
		seen[tool.Name] = true
		for field, v := range map[string]string{
			"name": tool.Name, "model": tool.Model, "guarantees": tool.Guarantees, "ordering": tool.Ordering,
			"scaling": tool.Scaling, "operations": tool.Operations, "go_client": tool.GoClient,
			"licence": tool.Licence, "licence_source": tool.LicenceSource, "pick": tool.Pick, "avoid": tool.Avoid,
		} {
			if strings.TrimSpace(v) == "" {
				c.add(file, 0, "%s: %s is required", where, field)
			}
		}
		for _, dir := range tool.Lab {
			if !c.r.Exists(dir + "/go.mod") {
				c.add(file, 0, "%s: lab names %s, which is not a module", where, dir)
			}
		}
		if len(tool.Lab) > 0 && len(tool.Example) == 0 {
			c.add(file, 0, "%s: the lab runs it (%s), so it needs an example", where, strings.Join(tool.Lab, ", "))
		}
		for _, m := range tool.Measured {
			c.measured(file, where, m)
		}
	}
}

// measured: the module's committed run holds that benchmark line, and the
// line has a value in that unit.
func (c *checker) measured(file, where string, m Measurement) {
	if m.Module == "" || m.Benchmark == "" || m.Unit == "" {
		c.add(file, 0, "%s: a measurement needs module, benchmark and unit", where)
		return
	}
	run := ResultsPath(m.Module)
	res, ok := c.results[m.Module]
	if !ok {
		data, err := c.r.Read(run)
		if err != nil {
			c.add(file, 0, "%s: measured names module %s, but %s does not exist", where, m.Module, run)
			c.results[m.Module] = nil
			return
		}
		parsed, err := ParseResults(data, run)
		if err != nil {
			c.add(run, 0, "%v", err)
		}
		res = parsed
		c.results[m.Module] = res
	}
	if res == nil {
		return
	}
	units, ok := res.Units(m.Benchmark)
	if !ok {
		c.add(file, 0, "%s: measured names benchmark %s, which %s does not hold", where, m.Benchmark, run)
		return
	}
	if _, ok := units[m.Unit]; !ok {
		c.add(file, 0, "%s: benchmark %s in %s has no %q value (it has %s)", where, m.Benchmark, run, m.Unit, strings.Join(sortedKeys(units), ", "))
	}
}

// ModuleSource starts the read_in of a pointer read in a Go module's
// published source rather than in a repository snapshot.
const ModuleSource = "Go module source"

var commitHash = regexp.MustCompile(`^[0-9a-f]{7,40}$`)

func (c *checker) system(file string, s *System) {
	if s.Name == "" || s.Summary == "" {
		c.add(file, 0, "name and summary are required")
	}
	if len(s.Mechanisms) == 0 {
		c.add(file, 0, "mechanisms is empty")
	}
	for i, m := range s.Mechanisms {
		where := fmt.Sprintf("mechanisms[%d] (%s)", i, m.Name)
		if m.Name == "" || m.How == "" || m.LabDiffers == "" {
			c.add(file, 0, "%s: name, how and lab_differs are required", where)
		}
		if len(m.Patterns) == 0 {
			c.add(file, 0, "%s: patterns is empty: name the lab's patterns it uses", where)
		}
		for _, p := range m.Patterns {
			if !c.patterns[p] {
				c.add(file, 0, "%s: patterns names %q, which is not in patterns/", where, p)
			}
		}
		if len(m.Where) == 0 {
			c.add(file, 0, "%s: where is empty: point at the source", where)
		}
		for j, p := range m.Where {
			at := fmt.Sprintf("%s where[%d]", where, j)
			for field, v := range map[string]string{
				"repository": p.Repository, "release": p.Release,
				"path": p.Path, "symbol": p.Symbol, "read_in": p.ReadIn,
			} {
				if strings.TrimSpace(v) == "" {
					c.add(file, 0, "%s: %s is required", at, field)
				}
			}
			// A Go module version is immutable (go.sum pins its hash), so a
			// pointer read in the module's source may name no commit.
			if p.Commit == "" && !strings.HasPrefix(p.ReadIn, ModuleSource) {
				c.add(file, 0, "%s: commit is required (or read_in starting %q for a Go module version)", at, ModuleSource)
			}
			if p.Commit != "" && !commitHash.MatchString(p.Commit) {
				c.add(file, 0, "%s: commit %q is not a commit hash", at, p.Commit)
			}
			if p.Repository != "" && strings.Count(p.Repository, "/") != 1 {
				c.add(file, 0, "%s: repository %q is not owner/name", at, p.Repository)
			}
		}
	}
}

func (c *checker) frontier(file string, f *Frontier) {
	if f.Topic == "" {
		c.add(file, 0, "topic is required")
	}
	if len(f.Projects) == 0 {
		c.add(file, 0, "projects is empty: say which libraries exist, or that none do")
	}
	for i, p := range f.Projects {
		if p.Name == "" || p.State == "" || p.LastRelease == "" || p.Source == "" {
			c.add(file, 0, "projects[%d] (%s): name, state, last_release and source are required", i, p.Name)
		}
	}
	for i, a := range f.Attach {
		if a.How == "" {
			c.add(file, 0, "attach[%d]: how is required", i)
		}
		if !c.patterns[a.Pattern] {
			c.add(file, 0, "attach[%d]: pattern %q is not in patterns/", i, a.Pattern)
		}
	}
	for i, s := range f.SeeAlso {
		if !s.Planned && !c.r.Exists("docs/"+s.Chapter+".md") {
			c.add(file, 0, "see_also[%d]: docs/%s.md does not exist (mark it planned: true until it does)", i, s.Chapter)
		}
	}
}

func isDir(r *repo.Repo, rel string) bool {
	fi, err := os.Stat(r.Path(rel))
	return err == nil && fi.IsDir()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
