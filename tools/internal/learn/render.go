package learn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Site is everything the generated pages are made from.
type Site struct {
	r       *repo.Repo
	Data    *Data
	Graph   *Graph
	Msgs    []Message
	syms    *Symbols
	anchors *Anchors
}

// NewSite reads the records, the graph and the code's messages.
func NewSite(r *repo.Repo) (*Site, error) {
	d, err := Load(r)
	if err != nil {
		return nil, err
	}
	g, err := ReadGraph(r)
	if err != nil {
		return nil, err
	}
	msgs, err := Messages(r)
	if err != nil {
		return nil, err
	}
	s := &Site{r: r, Data: d, Graph: g, Msgs: msgs, syms: NewSymbols(r), anchors: NewAnchors(r)}
	for page, ids := range GeneratedAnchors(g, d) {
		s.anchors.Generated[page] = ids
	}
	return s, nil
}

// Links in generated markdown are written against docs/ and resolved by the
// hook for the page and the build they land in:
//
//	[text](lab:patterns/saga.md#run-it)     a docs page, an anchor
//	[text](labcode:patterns/saga/x.go#L12)  a line of code (a link only
//	                                        when the site has a repo_url)
//
// and laburl:assets/x.js where an URL, not a markdown link, is needed.
func link(text, page, anchor string) string {
	if anchor != "" {
		return "[" + text + "](lab:" + page + "#" + anchor + ")"
	}
	return "[" + text + "](lab:" + page + ")"
}

// codeSpan is s as inline code, whatever backticks it holds.
func codeSpan(s string) string {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || fence != "`" {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// indent prefixes every non-empty line with n spaces (a block inside an
// admonition or a details block).
func indent(md string, n int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(strings.TrimRight(md, "\n"), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}

// cell makes text safe in a table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(s), "\n", " "), "|", `\|`)
}

// code renders a code link: the symbol, linked to its line, and the file.
func (s *Site) code(ref string) string {
	c := ParseCodeRef(ref)
	if !strings.HasSuffix(c.File, ".go") {
		if c.Symbol != "" {
			return codeSpan(c.Symbol) + " in " + codeSpan(c.File)
		}
		return "[" + codeSpan(c.File) + "](labcode:" + c.File + ")"
	}
	line, err := s.syms.Line(c.File, c.Symbol)
	if err != nil {
		return codeSpan(c.String())
	}
	return fmt.Sprintf("[%s](labcode:%s#L%d) in %s", codeSpan(c.Symbol), c.File, line, codeSpan(c.File))
}

// title is a module's name in lang: its Chinese name from the glossary term
// that names it, or its pattern.yaml title.
func (s *Site) title(n *Node, lang string) string {
	if n.Kind == "industry" {
		name := strings.TrimPrefix(n.ID, "industry:")
		return pick(lang, industryTitles[name][0], industryTitles[name][1])
	}
	if lang == "zh" {
		if n.Meta != nil && hasHan(n.Meta.Zh.Title) {
			return n.Meta.Zh.Title // pattern.yaml's zh.title: the module's own fact
		}
		if t := s.namingTerm(n.ID); t != nil {
			return t.Zh
		}
	}
	return n.Title
}

// otherNames are a module's names in the language the build is not in: in
// English its Chinese title and the Chinese term that names it (so the
// search index has them), in Chinese its English title.
func (s *Site) otherNames(n *Node, lang string) []string {
	if lang == "zh" {
		return []string{n.Title}
	}
	var names []string
	add := func(x string) {
		for i, y := range names {
			switch {
			case !hasHan(x) || strings.Contains(y, x):
				return
			case strings.Contains(x, y):
				names[i] = x
				return
			}
		}
		if hasHan(x) {
			names = append(names, x)
		}
	}
	if n.Meta != nil {
		add(n.Meta.Zh.Title)
	}
	if t := s.namingTerm(n.ID); t != nil {
		add(t.Zh)
	}
	return names
}

func (s *Site) namingTerm(module string) *Term {
	for i, t := range s.Data.Glossary.Terms {
		if t.Names == module {
			return &s.Data.Glossary.Terms[i]
		}
	}
	return nil
}

// moduleLink links a module's chapter (its title in plain text without one).
func (s *Site) moduleLink(id, lang string) string {
	n := s.Graph.Node(id)
	if n == nil {
		return id
	}
	if n.Chapter == "" {
		return s.title(n, lang)
	}
	return link(s.title(n, lang), n.Chapter, "")
}

func (s *Site) moduleLinks(ids []string, lang string) string {
	var out []string
	for _, id := range ids {
		out = append(out, s.moduleLink(id, lang))
	}
	return strings.Join(out, ", ")
}

// linksLine renders a record's links: code, the demo command, pages.
func (s *Site) linksLine(l Links, lang string) string {
	var parts []string
	if len(l.Code) > 0 {
		var cs []string
		for _, c := range l.Code {
			cs = append(cs, s.code(c))
		}
		parts = append(parts, "*"+L(lang, "code")+":* "+strings.Join(cs, "; "))
	}
	if l.Demo != "" {
		parts = append(parts, "*"+L(lang, "try")+":* "+codeSpan(ParseDemoRef(l.Demo).Command()))
	}
	if len(l.See) > 0 {
		var ss []string
		for _, ref := range l.See {
			ss = append(ss, s.docLink(ParseDocRef(ref), lang))
		}
		parts = append(parts, "*"+L(lang, "see")+":* "+strings.Join(ss, ", "))
	}
	return strings.Join(parts, " · ")
}

// docLink links a docs section by its title: "Saga › Run it".
func (s *Site) docLink(d DocRef, lang string) string {
	text := d.Page
	for _, n := range s.Graph.Nodes {
		if n.Chapter == d.Page {
			text = s.title(&n, lang)
		}
	}
	if t := s.anchors.Title(d.Page, d.Anchor); t != "" {
		text += " › " + t
	}
	return link(text, d.Page, d.Anchor)
}

// Anchor ids the generated pages and sections carry; all begin with "lab-"
// so the hook knows they exist in both languages.
func termAnchor(id string) string     { return "lab-term-" + id }
func faqAnchor(id string) string      { return "lab-faq-" + id }
func questionAnchor(id string) string { return "lab-q-" + id }
func pathAnchor(id string) string     { return "lab-path-" + id }
func stepAnchor(id string, i int) string {
	return fmt.Sprintf("lab-path-%s-%d", id, i+1)
}
func topicAnchor(id string) string { return "lab-ts-" + id }

// Sections of the generated pages that are not per record.
const (
	anchorErrors = "lab-ts-errors"
	anchorEdges  = "lab-graph-edges"
)

func interviewGroupAnchor(module string) string { return "lab-interview-" + module }

// Chapter sections the hook appends.
const (
	anchorRelated   = "lab-related"
	anchorTerms     = "lab-terms"
	anchorFAQ       = "lab-faq"
	anchorInterview = "lab-interview"
)

// GeneratedAnchors are the anchors the hook adds to each page.
func GeneratedAnchors(g *Graph, d *Data) map[string][]string {
	out := map[string][]string{}
	for _, n := range g.Modules() {
		if n.Chapter == "" {
			continue
		}
		ids := []string{anchorRelated}
		if len(termsOf(d, n.ID)) > 0 {
			ids = append(ids, anchorTerms)
		}
		if len(faqOf(d, n.ID)) > 0 {
			ids = append(ids, anchorFAQ)
		}
		if len(questionsOf(d, n.ID)) > 0 {
			ids = append(ids, anchorInterview)
		}
		out[n.Chapter] = ids
	}
	for _, t := range d.Glossary.Terms {
		out[pageOf("glossary")] = append(out[pageOf("glossary")], termAnchor(t.ID))
	}
	for _, e := range d.FAQ.Entries {
		out[pageOf("faq")] = append(out[pageOf("faq")], faqAnchor(e.ID))
	}
	for _, q := range d.Bank.Questions {
		out[pageOf("interview")] = append(out[pageOf("interview")], questionAnchor(q.ID))
	}
	for _, p := range d.Paths.Paths {
		out[pageOf("paths")] = append(out[pageOf("paths")], pathAnchor(p.ID))
		for i := range p.Steps {
			out[pageOf("paths")] = append(out[pageOf("paths")], stepAnchor(p.ID, i))
		}
	}
	for _, t := range d.Troubleshooting.Topics {
		out[pageOf("troubleshooting")] = append(out[pageOf("troubleshooting")], topicAnchor(t.ID))
	}
	out[pageOf("troubleshooting")] = append(out[pageOf("troubleshooting")], anchorErrors)
	out[pageOf("graph")] = append(out[pageOf("graph")], anchorEdges)
	for _, n := range g.Modules() {
		if len(questionsOf(d, n.ID)) > 0 {
			out[pageOf("interview")] = append(out[pageOf("interview")], interviewGroupAnchor(n.ID))
		}
	}
	return out
}

func termsOf(d *Data, module string) []Term {
	var out []Term
	for _, t := range d.Glossary.Terms {
		if slices.Contains(t.Patterns, module) {
			out = append(out, t)
		}
	}
	return out
}

func faqOf(d *Data, module string) []Entry {
	var out []Entry
	for _, e := range d.FAQ.Entries {
		if slices.Contains(e.Patterns, module) {
			out = append(out, e)
		}
	}
	return out
}

func questionsOf(d *Data, module string) []Question {
	var out []Question
	for _, q := range d.Bank.Questions {
		if slices.Contains(q.Patterns, module) {
			out = append(out, q)
		}
	}
	return out
}

// sortedTerms are the glossary's terms in the order of their English names.
func (s *Site) sortedTerms() []Term {
	terms := slices.Clone(s.Data.Glossary.Terms)
	slices.SortStableFunc(terms, func(a, b Term) int {
		return strings.Compare(strings.ToLower(a.En), strings.ToLower(b.En))
	})
	return terms
}

// termHeading is "English · 中文" in en, "中文 · English" in zh.
func termHeading(t Term, lang string) string {
	if lang == "zh" {
		return t.Zh + " · " + t.En
	}
	return t.En + " · " + t.Zh
}
