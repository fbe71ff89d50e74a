package learn

import (
	"strings"
)

// Export is what the MkDocs hook needs to fill one build's pages.
type Export struct {
	Lang string `json:"lang"`
	// Pages maps a marker name ("glossary") to the markdown that replaces
	// its marker.
	Pages map[string]string `json:"pages"`
	// Related maps a module chapter (docs-relative) to the section appended
	// to it.
	Related map[string]string `json:"related"`
	// Terms are the glossary terms a page's first use of shows on hover.
	Terms []HoverTerm `json:"terms"`
	// Tags are the tags of the generated pages.
	Tags map[string][]string `json:"tags"`
}

// HoverTerm is a glossary term as the hook matches it in a page's text.
type HoverTerm struct {
	Match []string `json:"match"` // spellings, longest first
	Title string   `json:"title"` // the definition
	Href  string   `json:"href"`  // lab: link to its glossary entry
	// Chapters are the chapters (docs-relative) the term belongs to: on a
	// chapter page only its own terms are matched, so "command" in the edge
	// chapter is not taken for the CQRS term.
	Chapters []string `json:"chapters"`
}

// Export renders every generated page and section in lang.
func (s *Site) Export(lang string) *Export {
	e := &Export{
		Lang: lang,
		Pages: map[string]string{
			"glossary":        s.Glossary(lang),
			"faq":             s.FAQ(lang),
			"interview":       s.Interview(lang),
			"paths":           s.Paths(lang),
			"troubleshooting": s.Troubleshooting(lang),
			"graph":           s.GraphPage(lang),
		},
		Related: map[string]string{},
		Tags: map[string][]string{
			pageOf("glossary"):        {"learning", "glossary"},
			pageOf("faq"):             {"learning", "faq"},
			pageOf("interview"):       {"learning", "interview"},
			pageOf("paths"):           {"learning", "learning-paths"},
			pageOf("troubleshooting"): {"learning", "troubleshooting"},
			pageOf("graph"):           {"learning", "knowledge-graph"},
		},
	}
	for _, n := range s.Graph.Modules() {
		if n.Chapter != "" {
			e.Related[n.Chapter] = s.Related(n.ID, lang)
		}
	}
	for _, t := range s.Data.Glossary.Terms {
		match := append([]string{t.En}, t.Aliases...)
		if lang == "zh" {
			match = append(append([]string{strings.TrimSpace(zhCore(t.Zh))}, t.AliasesZh...), match...)
		}
		var chapters []string
		for _, p := range t.Patterns {
			if n := s.Graph.Node(p); n != nil && n.Chapter != "" {
				chapters = append(chapters, n.Chapter)
			}
		}
		e.Terms = append(e.Terms, HoverTerm{
			Match:    match,
			Title:    pick(lang, t.Def, t.DefZh),
			Href:     "lab:" + pageOf("glossary") + "#" + termAnchor(t.ID),
			Chapters: chapters,
		})
	}
	return e
}

// zhCore is a Chinese term without its parenthesised English or
// abbreviation: "自定义资源定义（CRD）" matches as "自定义资源定义".
func zhCore(s string) string {
	for _, open := range []string{"（", "("} {
		if i := strings.Index(s, open); i > 0 {
			return s[:i]
		}
	}
	return s
}

// MermaidBlock is a diagram the hook puts on a page, for the check to parse.
type MermaidBlock struct {
	Page string // the generated page it lands on
	Lang string
	Text string
}

// Diagrams are the Mermaid diagrams the hook generates, in every language.
func (s *Site) Diagrams() []MermaidBlock {
	var out []MermaidBlock
	for _, lang := range Languages {
		out = append(out, MermaidBlock{Page: pageOf("graph"), Lang: lang, Text: s.GraphMermaid(lang)})
		for _, p := range s.Data.Paths.Paths {
			out = append(out, MermaidBlock{Page: pageOf("paths") + "#" + pathAnchor(p.ID), Lang: lang, Text: s.pathMermaid(p, lang)})
		}
	}
	return out
}
