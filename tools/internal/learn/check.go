package learn

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/patternlab/patternlab/tools/internal/contract"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Finding is one broken rule: the file to fix and what is wrong.
type Finding = contract.Finding

// Allowed values of the records' fields.
var (
	Kinds    = []string{"concept", "design", "code"}
	validID  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	ZhEditor = "docs-zh"
)

type checker struct {
	r        *repo.Repo
	g        *Graph
	demos    Demos
	syms     *Symbols
	anchors  *Anchors
	findings []Finding
}

func (c *checker) add(file string, line int, format string, args ...any) {
	c.findings = append(c.findings, Finding{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Check verifies the learning layer against the checkout (demos may be nil
// to skip reading the demos' flags): every link of
// every record resolves (file and symbol, chapter and section, demo and
// flag), every learning path meets a pattern's prerequisites before the
// pattern, every pattern.yaml link names a module, every sentinel or typed
// error of the code is explained, and every generated page has the marker
// the hook fills, in both languages.
func Check(r *repo.Repo, demos Demos) ([]Finding, error) {
	g, err := ReadGraph(r)
	if err != nil {
		return nil, err
	}
	c := &checker{r: r, g: g, demos: demos, syms: NewSymbols(r), anchors: NewAnchors(r)}
	for _, b := range g.Broken {
		c.add(b[0]+"/pattern.yaml", 0, "%s", b[1])
	}
	d, err := Load(r)
	if err != nil {
		c.add(strings.SplitN(err.Error(), ":", 2)[0], 0, "invalid: %v", err)
		return c.findings, nil
	}
	for page, ids := range GeneratedAnchors(g, d) {
		c.anchors.Generated[page] = ids
	}
	lines := recordLines(r)
	c.glossary(d.Glossary, lines[GlossaryFile])
	c.paths(d.Paths, lines[PathsFile])
	c.faq(d.FAQ, lines[FAQFile])
	c.bank(d.Bank, lines[BankFile])
	msgs, err := Messages(r)
	if err != nil {
		return nil, err
	}
	c.troubleshooting(d.Troubleshooting, msgs, lines[TroubleshootingFile], lines[TroubleshootingFile+"#errors"])
	c.pages()
	return c.findings, nil
}

// at names a record in findings.
type at struct {
	file string
	line int
	what string // `term "saga"`
}

func (c *checker) in(a at, format string, args ...any) {
	c.add(a.file, a.line, "%s: %s", a.what, fmt.Sprintf(format, args...))
}

func (c *checker) ids(a at, id string, seen map[string]bool) {
	switch {
	case !validID.MatchString(id):
		c.in(a, "id %q: use lower case letters, digits and dashes", id)
	case seen[id]:
		c.in(a, "id %q is used twice", id)
	}
	seen[id] = true
}

// text requires an English and a Chinese text; the Chinese one must be
// Chinese.
func (c *checker) text(a at, field, en, zh string) {
	if strings.TrimSpace(en) == "" {
		c.in(a, "%s is required", field)
	}
	switch {
	case strings.TrimSpace(zh) == "":
		c.in(a, "%s_zh is required (the Chinese text beside the English)", field)
	case !hasHan(zh):
		c.in(a, "%s_zh %q has no Chinese in it", field, zh)
	}
}

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

func (c *checker) module(a at, field, name string) *Node {
	n := c.g.Node(name)
	if n == nil || n.Kind == "industry" {
		c.in(a, "%s names %q, which is not a module in patterns/ or industries/", field, name)
		return nil
	}
	return n
}

func (c *checker) code(a at, ref string) {
	cr := ParseCodeRef(ref)
	switch {
	case cr.File == "":
		c.in(a, "code link %q names no file", ref)
	case strings.HasSuffix(cr.File, ".go"):
		if cr.Symbol == "" {
			c.in(a, "code link %q names no symbol (file.go#Symbol)", ref)
			return
		}
		if _, err := c.syms.Line(cr.File, cr.Symbol); err != nil {
			c.in(a, "code link %s: %v", ref, err)
		}
	default:
		data, err := c.r.Read(cr.File)
		if err != nil {
			c.in(a, "code link %s: %s does not exist", ref, cr.File)
			return
		}
		if cr.Symbol != "" && !strings.Contains(string(data), cr.Symbol) {
			c.in(a, "code link %s: %s does not contain %q", ref, cr.File, cr.Symbol)
		}
	}
}

// demo checks a demo run against the demo's real flags (with no Demos, only
// that the module exists).
func (c *checker) demo(a at, name string, args []string) {
	n := c.module(a, "demo", name)
	if n == nil || c.demos == nil {
		return
	}
	flags, err := c.demos.Flags(n.Kind + "/" + n.ID)
	if err != nil {
		c.in(a, "demo %s: %v", name, err)
		return
	}
	for _, p := range flags.CheckArgs(args) {
		c.in(a, "demo %s: %s", name, p)
	}
}

func (c *checker) see(a at, ref string) {
	d := ParseDocRef(ref)
	if err := c.anchors.Has(d.Page, d.Anchor); err != nil {
		c.in(a, "link %s: %v", ref, err)
	}
}

func (c *checker) links(a at, l Links) {
	for _, ref := range l.Code {
		c.code(a, ref)
	}
	if l.Demo != "" {
		d := ParseDemoRef(l.Demo)
		c.demo(a, d.Name, d.Args)
	}
	for _, ref := range l.See {
		c.see(a, ref)
	}
}

func (c *checker) glossary(gl Glossary, lines []int) {
	seen := map[string]bool{}
	named := map[string]string{}
	for i, t := range gl.Terms {
		a := at{GlossaryFile, line(lines, i), fmt.Sprintf("term %q", t.ID)}
		c.ids(a, t.ID, seen)
		c.text(a, "en/zh", t.En, t.Zh)
		c.text(a, "def", t.Def, t.DefZh)
		if strings.Contains(strings.TrimSpace(t.Def), "\n") || strings.Contains(strings.TrimSpace(t.DefZh), "\n") {
			c.in(a, "def and def_zh are one line each (they are the hover text)")
		}
		if t.Code == "" {
			c.in(a, "code is required: where the lab shows the term (file.go#Symbol)")
		} else {
			c.code(a, t.Code)
		}
		if len(t.Patterns) == 0 {
			c.in(a, "patterns: name at least one chapter the term belongs to")
		}
		for _, p := range t.Patterns {
			c.module(a, "patterns", p)
		}
		if t.Names != "" {
			c.module(a, "names", t.Names)
			if other, dup := named[t.Names]; dup {
				c.in(a, "names %q, which term %q already names", t.Names, other)
			}
			named[t.Names] = t.ID
		}
	}
}

func (c *checker) paths(ps Paths, lines []int) {
	seen := map[string]bool{}
	byID := map[string]Path{}
	for _, p := range ps.Paths {
		byID[p.ID] = p
	}
	for i, p := range ps.Paths {
		a := at{PathsFile, line(lines, i), fmt.Sprintf("path %q", p.ID)}
		c.ids(a, p.ID, seen)
		c.text(a, "title", p.Title, p.TitleZh)
		c.text(a, "intro", p.Intro, p.IntroZh)
		switch {
		case (p.Level == "") == (p.Industry == ""):
			c.in(a, "set exactly one of level (%s) and industry (%s)", strings.Join(repo.Levels, ", "), strings.Join(repo.Industries, ", "))
		case p.Level != "" && !slices.Contains(repo.Levels, p.Level):
			c.in(a, "level is %q, want one of %s", p.Level, strings.Join(repo.Levels, ", "))
		case p.Industry != "" && !slices.Contains(repo.Industries, p.Industry):
			c.in(a, "industry is %q, want one of %s", p.Industry, strings.Join(repo.Industries, ", "))
		}
		for _, req := range p.Requires {
			if _, ok := byID[req]; !ok || req == p.ID {
				c.in(a, "requires %q, which is not another path", req)
			}
		}
		if len(p.Steps) == 0 {
			c.in(a, "has no steps")
		}
		covered := map[string]bool{}
		for _, m := range requiredPatterns(p, byID, map[string]bool{}) {
			covered[m] = true
		}
		for j, s := range p.Steps {
			sa := at{PathsFile, a.line, fmt.Sprintf("path %q step %d (%s)", p.ID, j+1, s.Pattern)}
			n := c.module(sa, "pattern", s.Pattern)
			if n == nil {
				continue
			}
			for _, pre := range n.Meta.Prerequisites {
				if !covered[pre] {
					c.in(sa, "reaches %s before its prerequisite %s: put a step on %s earlier, or require a path that has one", s.Pattern, pre, pre)
				}
			}
			covered[s.Pattern] = true
			if n.Chapter == "" {
				c.in(sa, "%s has no chapter to read", s.Pattern)
			} else if s.Section == "" {
				c.in(sa, "section is required: the anchor of the chapter section to read")
			} else if err := c.anchors.Has(n.Chapter, s.Section); err != nil {
				c.in(sa, "section: %v", err)
			}
			c.text(sa, "read", s.Read, s.ReadZh)
			c.text(sa, "exercise", s.Exercise, s.ExerciseZh)
			if strings.TrimSpace(s.Try) == "" {
				c.in(sa, "try is required: the demo flags the exercise changes")
			} else {
				c.demo(sa, s.Pattern, strings.Fields(s.Try))
			}
		}
	}
}

// requiredPatterns are the patterns the paths p requires cover, transitively.
func requiredPatterns(p Path, byID map[string]Path, visiting map[string]bool) []string {
	var out []string
	for _, req := range p.Requires {
		q, ok := byID[req]
		if !ok || visiting[req] {
			continue
		}
		visiting[req] = true
		out = append(out, requiredPatterns(q, byID, visiting)...)
		for _, s := range q.Steps {
			out = append(out, s.Pattern)
		}
	}
	return out
}

func (c *checker) faq(f FAQ, lines []int) {
	seen := map[string]bool{}
	for i, e := range f.Entries {
		a := at{FAQFile, line(lines, i), fmt.Sprintf("entry %q", e.ID)}
		c.ids(a, e.ID, seen)
		c.text(a, "q", e.Q, e.QZh)
		c.text(a, "a", e.A, e.AZh)
		if len(e.Patterns) == 0 {
			c.in(a, "patterns: name at least one chapter the entry belongs to")
		}
		for _, p := range e.Patterns {
			c.module(a, "patterns", p)
		}
		if len(e.Code) == 0 {
			c.in(a, "code: link at least one place in the code that shows the answer")
		}
		c.links(a, e.Links)
	}
}

func (c *checker) bank(b Bank, lines []int) {
	seen := map[string]bool{}
	for i, q := range b.Questions {
		a := at{BankFile, line(lines, i), fmt.Sprintf("question %q", q.ID)}
		c.ids(a, q.ID, seen)
		c.text(a, "q", q.Q, q.QZh)
		c.text(a, "answer", q.Answer, q.AnswerZh)
		if !slices.Contains(repo.Levels, q.Level) {
			c.in(a, "level is %q, want one of %s", q.Level, strings.Join(repo.Levels, ", "))
		}
		if q.Kind != "" && !slices.Contains(Kinds, q.Kind) {
			c.in(a, "kind is %q, want one of %s", q.Kind, strings.Join(Kinds, ", "))
		}
		if len(q.Patterns) == 0 {
			c.in(a, "patterns: name the pattern it is filed under")
		}
		for _, p := range q.Patterns {
			c.module(a, "patterns", p)
		}
		if len(q.Followups) == 0 {
			c.in(a, "followups: at least one")
		}
		if len(q.Followups) != len(q.FollowupsZh) {
			c.in(a, "followups_zh has %d entries for %d followups", len(q.FollowupsZh), len(q.Followups))
		}
		for _, fz := range q.FollowupsZh {
			if !hasHan(fz) {
				c.in(a, "followups_zh %q has no Chinese in it", fz)
			}
		}
		if len(q.Code) == 0 && q.Demo == "" {
			c.in(a, "link the code (code:) or the demo flag (demo:) that demonstrates the answer")
		}
		c.links(a, q.Links)
	}
}

func (c *checker) troubleshooting(t Troubleshooting, msgs []Message, lines, errLines []int) {
	seen := map[string]bool{}
	for i, tp := range t.Topics {
		a := at{TroubleshootingFile, line(lines, i), fmt.Sprintf("topic %q", tp.ID)}
		c.ids(a, tp.ID, seen)
		c.text(a, "title", tp.Title, tp.TitleZh)
		c.text(a, "body", tp.Body, tp.BodyZh)
		c.links(a, tp.Links)
	}
	used := make([]bool, len(t.Errors))
	for _, m := range msgs {
		ex := Explain(m, t.Errors)
		if ex < 0 {
			if NeedsExplanation(m) {
				c.add(m.File, m.Line, "%s %s (%q) is a user-facing error with no explanation in %s: add one (match: a part of its text)", m.Kind, m.Name, m.Text, TroubleshootingFile)
			}
			continue
		}
		used[ex] = true
	}
	for i, e := range t.Errors {
		a := at{TroubleshootingFile, line(errLines, i), fmt.Sprintf("error explanation %q", e.Match)}
		c.text(a, "means", e.Means, e.MeansZh)
		if strings.TrimSpace(e.Match) == "" {
			c.in(a, "match is required: a part of the message's text in the code")
			continue
		}
		if !used[i] {
			c.in(a, "matches no error message in %s: the message changed or is gone", strings.Join(MessageDirs, ", "))
		}
	}
}

// pages checks that every generated page holds its marker, in docs/ and in
// its docs-zh/ counterpart: the hook fills the markers at build time, so a
// page without one would silently show nothing.
func (c *checker) pages() {
	for _, p := range GeneratedPages {
		for _, dir := range []string{"docs", ZhEditor} {
			file := dir + "/" + p.Page
			data, err := c.r.Read(file)
			if err != nil {
				c.add(file, 0, "missing: the %s page (holding %s, which the hook fills)", p.Name, p.Marker())
				continue
			}
			if !strings.Contains(string(data), p.Marker()) {
				c.add(file, 0, "does not hold %s: the generated %s would not appear", p.Marker(), p.Name)
			}
		}
	}
}

func line(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return 0
}

// GeneratedPage is a page whose body the hook generates.
type GeneratedPage struct {
	Name string // marker name: "glossary"
	Page string // docs-relative path
}

// Marker is the comment the hook replaces.
func (p GeneratedPage) Marker() string { return "<!-- learn:" + p.Name + " -->" }

// GeneratedPages are the learning layer's pages.
var GeneratedPages = []GeneratedPage{
	{"graph", "learn/graph.md"},
	{"paths", "learn/paths.md"},
	{"glossary", "learn/glossary.md"},
	{"faq", "learn/faq.md"},
	{"interview", "learn/interview.md"},
	{"troubleshooting", "learn/troubleshooting.md"},
}

// pageOf returns the generated page of a marker name.
func pageOf(name string) string {
	for _, p := range GeneratedPages {
		if p.Name == name {
			return p.Page
		}
	}
	return path.Join("learn", name+".md")
}

// CheckRepo is make check's call: Check with the demos' real flags, and the
// diagrams the hook will generate (name, source), for the Mermaid parse.
func CheckRepo(ctx context.Context, r *repo.Repo) (findings []string, diagrams [][2]string, err error) {
	demos := NewBuiltDemos(ctx, r)
	defer demos.Close()
	fs, err := Check(r, demos)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range fs {
		findings = append(findings, f.String())
	}
	site, err := NewSite(r)
	if err != nil {
		return findings, nil, nil // Check has reported why the records do not load
	}
	for _, d := range site.Diagrams() {
		diagrams = append(diagrams, [2]string{"docs/" + d.Page + " (generated, " + d.Lang + ")", d.Text})
	}
	fmt.Printf("learn: %d glossary terms, %d interview questions, %d FAQ entries, %d learning paths, %d error messages listed\n",
		len(site.Data.Glossary.Terms), len(site.Data.Bank.Questions), len(site.Data.FAQ.Entries), len(site.Data.Paths.Paths), len(site.Msgs))
	return findings, diagrams, nil
}
