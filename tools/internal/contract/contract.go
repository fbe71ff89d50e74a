package contract

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Finding is one broken rule: the file to fix and what is wrong.
type Finding struct {
	File string
	Line int // 0 when the finding is about the whole file
	Msg  string
}

func (f Finding) String() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Msg)
	}
	return fmt.Sprintf("%s: %s", f.File, f.Msg)
}

type checker struct {
	r        *repo.Repo
	findings []Finding
}

func (c *checker) add(file string, line int, format string, args ...any) {
	c.findings = append(c.findings, Finding{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Check runs every rule on the checkout and returns the findings, sorted by
// file and line.
func Check(r *repo.Repo) ([]Finding, error) {
	c := &checker{r: r}
	mods, err := r.Modules()
	if err != nil {
		return nil, err
	}
	uses, err := r.WorkUses()
	if err != nil {
		return nil, err
	}
	nav, err := navPages(r)
	if err != nil {
		c.add("mkdocs.yml", 0, "cannot read nav: %v", err)
	}
	patterns := map[string]bool{}
	for _, m := range mods {
		if m.Kind == "patterns" {
			patterns[m.Name] = true
		}
	}
	for _, m := range mods {
		c.module(m, uses, nav, patterns)
	}
	if err := c.pages(); err != nil {
		return nil, err
	}
	sort.SliceStable(c.findings, func(i, j int) bool {
		a, b := c.findings[i], c.findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return c.findings, nil
}

func (c *checker) module(m repo.Module, uses []string, nav map[string]bool, patterns map[string]bool) {
	dir := m.Dir()
	if !slices.Contains(uses, dir) {
		c.add("go.work", 0, "module %s is not in the workspace: run `go work use ./%s`", dir, dir)
	}
	for _, f := range RequiredFiles {
		p := dir + "/" + f.Path
		data, err := c.r.Read(p)
		if err != nil {
			c.add(p, 0, "missing: %s", f.Why)
			continue
		}
		if f.Contains != "" && !strings.Contains(string(data), f.Contains) {
			c.add(p, 0, "does not contain %q (%s)", f.Contains, f.Why)
		}
	}
	if data, err := c.r.Read(dir + "/go.mod"); err == nil {
		want := repo.ModulePrefix + "/" + dir
		if got := modulePath(data); got != want {
			c.add(dir+"/go.mod", 1, "module path is %q, want %q", got, want)
		}
	}
	p, err := c.r.ReadPattern(m)
	if err != nil {
		if c.r.Exists(dir + "/pattern.yaml") {
			c.add(dir+"/pattern.yaml", 0, "invalid: %v", err)
		}
		return
	}
	c.pattern(m, p, patterns)
	chapter := m.Chapter()
	if !c.r.Exists(chapter) {
		c.add(chapter, 0, "missing: the chapter of %s (make new-pattern writes one from the template)", dir)
	} else {
		c.chapter(m, chapter)
	}
	if nav != nil && !nav[strings.TrimPrefix(chapter, "docs/")] {
		c.add("mkdocs.yml", 0, "nav does not list %s", strings.TrimPrefix(chapter, "docs/"))
	}
}

func (c *checker) pattern(m repo.Module, p *repo.Pattern, patterns map[string]bool) {
	file := m.Dir() + "/pattern.yaml"
	if p.Name != m.Name {
		c.add(file, 0, "name is %q, want the directory name %q", p.Name, m.Name)
	}
	for field, v := range map[string]string{"title": p.Title, "summary": p.Summary, "invariant": p.Invariant} {
		if strings.TrimSpace(v) == "" {
			c.add(file, 0, "%s is required", field)
		}
	}
	if !slices.Contains(repo.Levels, p.Level) {
		c.add(file, 0, "level is %q, want one of %s", p.Level, strings.Join(repo.Levels, ", "))
	}
	if len(p.Tags) == 0 {
		c.add(file, 0, "tags: at least one is required")
	}
	for _, ref := range [][2]any{{"prerequisites", p.Prerequisites}, {"related", p.Related}} {
		for _, name := range ref[1].([]string) {
			if !patterns[name] {
				c.add(file, 0, "%s names %q, which is not a pattern in patterns/", ref[0], name)
			}
			if name == p.Name {
				c.add(file, 0, "%s names the pattern itself", ref[0])
			}
		}
	}
	if len(p.Industries) == 0 {
		c.add(file, 0, "industries: at least one is required (%s)", strings.Join(repo.Industries, ", "))
	}
	for _, ind := range p.Industries {
		if !slices.Contains(repo.Industries, ind) {
			c.add(file, 0, "industries names %q, want one of %s", ind, strings.Join(repo.Industries, ", "))
		}
	}
	for _, n := range p.Needs {
		if !slices.Contains(repo.Needs, n) {
			c.add(file, 0, "needs names %q, want one of %s", n, strings.Join(repo.Needs, ", "))
		}
	}
	for _, v := range repo.RequiredViews {
		if !slices.Contains(p.Diagrams, v) {
			c.add(file, 0, "diagrams must list %q", v)
		}
	}
	for _, d := range p.Diagrams {
		if mmd := "diagrams/" + m.Name + "/" + d + ".mmd"; !c.r.Exists(mmd) {
			c.add(file, 0, "diagram %q: %s does not exist", d, mmd)
		}
	}
	c.switches(m, p)
}

func (c *checker) chapter(m repo.Module, file string) {
	data, err := c.r.Read(file)
	if err != nil {
		c.add(file, 0, "unreadable: %v", err)
		return
	}
	sections, _, _ := sectionsOf(m.Kind)
	page := repo.ParsePage(data)
	var h2 []repo.Heading
	for _, h := range page.Headings {
		if h.Level == 2 {
			h2 = append(h2, h)
		}
	}
	next := 0 // index in sections of the next expected heading
	at := map[string]int{}
	for _, h := range h2 {
		i := slices.Index(sections, h.Text)
		if i < 0 {
			continue // extra sections are welcome
		}
		if i < next {
			c.add(file, h.Line, "section %q is out of order: the template puts it before %q", h.Text, sections[next-1])
			continue
		}
		at[h.Text] = h.Line
		next = i + 1
	}
	for i, s := range sections {
		if _, ok := at[s]; !ok {
			c.add(file, 0, "missing template section %d: ## %s", i+1, s)
		}
	}
	if m.Kind != "industries" && !hasSubsection(page, Sections[1], EngineeringReading) {
		c.add(file, 0, "section %q has no ### %s subsection", Sections[1], EngineeringReading)
	}
	c.includes(file, page, m)
}

// includes checks that the chapter shows real files: module code in the
// walkthrough, the Example in Run it, the benchmark table, its diagrams.
func (c *checker) includes(file string, page repo.Page, m repo.Module) {
	inSection := func(section string, pred func(string) bool) bool {
		start, end := sectionRange(page, section)
		for _, inc := range page.Snippets {
			if inc.Line > start && inc.Line < end && pred(inc.Path) {
				return true
			}
		}
		return false
	}
	_, diagrams, benchSection := sectionsOf(m.Kind)
	dir := m.Dir() + "/"
	if !inSection("Implementation walkthrough", func(p string) bool { return strings.HasPrefix(p, dir) && strings.HasSuffix(p, ".go") }) {
		c.add(file, 0, "section %q includes no Go file of %s (use --8<-- \"%s<file>.go\")", "Implementation walkthrough", m.Dir(), dir)
	}
	if !inSection("Run it", func(p string) bool { return p == dir+"example_test.go" }) {
		c.add(file, 0, "section %q does not include %sexample_test.go, the verified narration", "Run it", dir)
	}
	bench := "benchmarks/results/" + m.Name + ".md"
	if !inSection(benchSection, func(p string) bool { return p == bench }) {
		c.add(file, 0, "section %q does not include %s (generated by make bench)", benchSection, bench)
	}
	if !inSection(diagrams, func(p string) bool { return strings.HasPrefix(p, "diagrams/"+m.Name+"/") }) {
		c.add(file, 0, "section %q includes no diagram of diagrams/%s/", diagrams, m.Name)
	}
}

// pages checks every docs page: snippet includes resolve, and every diagram
// under diagrams/ is included by some page.
func (c *checker) pages() error {
	pages, err := c.r.Files("docs", ".md")
	if err != nil {
		return err
	}
	zh, err := c.r.Files("docs-zh", ".md") // the Chinese edition shows the *.zh.mmd diagrams
	if err != nil {
		return err
	}
	pages = append(pages, zh...)
	used := map[string]bool{}
	for _, p := range pages {
		data, err := c.r.Read(p)
		if err != nil {
			return err
		}
		for _, inc := range repo.ParsePage(data).Snippets {
			used[path.Clean(inc.Path)] = true
			if !c.r.Exists(inc.Path) {
				c.add(p, inc.Line, "includes %s, which does not exist", inc.Path)
			}
		}
	}
	diagrams, err := c.r.Files("diagrams", ".mmd")
	if err != nil {
		return err
	}
	for _, d := range diagrams {
		if !used[d] {
			c.add(d, 0, "not used by any page in docs/ or docs-zh/ (include it in a mermaid fence)")
		}
	}
	return nil
}

func sectionRange(page repo.Page, section string) (start, end int) {
	start, end = -1, -1
	for _, h := range page.Headings {
		if h.Level == 2 && start >= 0 && end < 0 {
			end = h.Line
		}
		if h.Level == 2 && h.Text == section {
			start = h.Line
		}
	}
	if start >= 0 && end < 0 {
		end = 1 << 30
	}
	return start, end
}

func hasSubsection(page repo.Page, section, sub string) bool {
	start, end := sectionRange(page, section)
	for _, h := range page.Headings {
		if h.Level == 3 && h.Text == sub && h.Line > start && h.Line < end {
			return true
		}
	}
	return false
}

func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// navPages lists every page path in mkdocs.yml's nav, at any depth.
func navPages(r *repo.Repo) (map[string]bool, error) {
	data, err := r.Read("mkdocs.yml")
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	pages := map[string]bool{}
	if len(doc.Content) == 0 {
		return pages, nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "nav" {
			collect(root.Content[i+1], pages)
		}
	}
	return pages, nil
}

func collect(n *yaml.Node, pages map[string]bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.HasSuffix(n.Value, ".md") {
			pages[n.Value] = true
		}
	case yaml.SequenceNode, yaml.MappingNode:
		for _, c := range n.Content {
			collect(c, pages)
		}
	}
}
