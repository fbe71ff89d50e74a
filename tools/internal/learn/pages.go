package learn

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Glossary renders the glossary page body.
func (s *Site) Glossary(lang string) string {
	var b strings.Builder
	for _, t := range s.sortedTerms() {
		fmt.Fprintf(&b, "## %s {#%s}\n\n", termHeading(t, lang), termAnchor(t.ID))
		fmt.Fprintf(&b, "%s\n\n", pick(lang, t.Def, t.DefZh))
		fmt.Fprintf(&b, "*%s:* %s · *%s:* %s\n\n", L(lang, "in-code"), s.code(t.Code), L(lang, "chapters"), s.moduleLinks(t.Patterns, lang))
	}
	return b.String()
}

// FAQ renders the FAQ page body.
func (s *Site) FAQ(lang string) string {
	var b strings.Builder
	for _, e := range s.Data.FAQ.Entries {
		fmt.Fprintf(&b, "## %s {#%s}\n\n", pick(lang, e.Q, e.QZh), faqAnchor(e.ID))
		fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(pick(lang, e.A, e.AZh)))
		if l := s.linksLine(e.Links, lang); l != "" {
			fmt.Fprintf(&b, "%s\n\n", l)
		}
		fmt.Fprintf(&b, "*%s:* %s\n\n", L(lang, "chapters"), s.moduleLinks(e.Patterns, lang))
	}
	return b.String()
}

// levelOrder sorts questions by level, then as written.
func levelOrder(qs []Question) []Question {
	out := slices.Clone(qs)
	slices.SortStableFunc(out, func(a, b Question) int { return levelRank(a.Level) - levelRank(b.Level) })
	return out
}

// question renders one question as a collapsible block (in a chapter) or
// a filterable entry (on the bank's page).
func (s *Site) questionBody(q Question, lang string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(pick(lang, q.Answer, q.AnswerZh)))
	fus := q.Followups
	if lang == "zh" && len(q.FollowupsZh) == len(q.Followups) {
		fus = q.FollowupsZh
	}
	if len(fus) > 0 {
		fmt.Fprintf(&b, "**%s**\n\n", L(lang, "followups"))
		for _, f := range fus {
			fmt.Fprintf(&b, "- %s\n", f)
		}
		b.WriteString("\n")
	}
	if l := s.linksLine(q.Links, lang); l != "" {
		fmt.Fprintf(&b, "%s\n", l)
	}
	return b.String()
}

func (s *Site) questionMeta(q Question, lang string) string {
	meta := fmt.Sprintf("*%s:* %s · *%s:* %s", L(lang, "level"), L(lang, q.Level), L(lang, "patterns"), s.moduleLinks(q.Patterns, lang))
	if q.Seed {
		meta += " · *" + L(lang, "seed") + "*"
	}
	return meta
}

// Interview renders the bank's page body: questions grouped by the pattern
// they are filed under, each with data attributes the page's filter reads.
func (s *Site) Interview(lang string) string {
	var b strings.Builder
	var pats, levels []string
	for _, n := range s.Graph.Modules() {
		if len(questionsOf(s.Data, n.ID)) > 0 {
			pats = append(pats, fmt.Sprintf(`<option value="%s">%s</option>`, n.ID, s.title(&n, lang)))
		}
	}
	for _, l := range []string{"beginner", "intermediate", "advanced"} {
		levels = append(levels, fmt.Sprintf(`<option value="%s">%s</option>`, l, L(lang, l)))
	}
	fmt.Fprintf(&b, `<form class="lab-filter" data-shown="%s">`+"\n", L(lang, "shown"))
	fmt.Fprintf(&b, `<label>%s <select name="pattern"><option value="">%s</option>%s</select></label>`+"\n", L(lang, "filter-pattern"), L(lang, "filter-all"), strings.Join(pats, ""))
	fmt.Fprintf(&b, `<label>%s <select name="level"><option value="">%s</option>%s</select></label>`+"\n", L(lang, "filter-level"), L(lang, "filter-all"), strings.Join(levels, ""))
	b.WriteString(`<output></output>` + "\n</form>\n\n")
	for _, n := range s.Graph.Modules() {
		var qs []Question
		for _, q := range s.Data.Bank.Questions {
			if q.Patterns[0] == n.ID {
				qs = append(qs, q)
			}
		}
		if len(qs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "## %s {#%s}\n\n", s.title(&n, lang), interviewGroupAnchor(n.ID))
		for _, q := range levelOrder(qs) {
			fmt.Fprintf(&b, "<div class=\"lab-q\" data-patterns=\"%s\" data-level=\"%s\" markdown>\n\n", strings.Join(q.Patterns, " "), q.Level)
			fmt.Fprintf(&b, "### %s {#%s}\n\n", pick(lang, q.Q, q.QZh), questionAnchor(q.ID))
			fmt.Fprintf(&b, "%s\n\n", s.questionMeta(q, lang))
			fmt.Fprintf(&b, "??? success \"%s\"\n\n%s\n\n", L(lang, "model-answer"), indent(s.questionBody(q, lang), 4))
			b.WriteString("</div>\n\n")
		}
	}
	return b.String()
}

// Paths renders the learning paths page body.
func (s *Site) Paths(lang string) string {
	var b strings.Builder
	byID := map[string]Path{}
	for _, p := range s.Data.Paths.Paths {
		byID[p.ID] = p
	}
	for _, p := range s.Data.Paths.Paths {
		fmt.Fprintf(&b, "## %s {#%s}\n\n", pick(lang, p.Title, p.TitleZh), pathAnchor(p.ID))
		fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(pick(lang, p.Intro, p.IntroZh)))
		if len(p.Requires) > 0 {
			var req []string
			for _, id := range p.Requires {
				req = append(req, link(pick(lang, byID[id].Title, byID[id].TitleZh), pageOf("paths"), pathAnchor(id)))
			}
			fmt.Fprintf(&b, "*%s:* %s\n\n", L(lang, "assumes"), strings.Join(req, ", "))
		}
		b.WriteString("```mermaid\n" + s.pathMermaid(p, lang) + "```\n\n")
		for i, st := range p.Steps {
			n := s.Graph.Node(st.Pattern)
			if n == nil {
				continue
			}
			fmt.Fprintf(&b, "### %s%s%s {#%s}\n\n", stepTitle(lang, i+1), colon(lang), s.title(n, lang), stepAnchor(p.ID, i))
			fmt.Fprintf(&b, "**%s** %s%s%s\n\n", L(lang, "read"), s.docLink(DocRef{Page: n.Chapter, Anchor: st.Section}, lang), colon(lang), pick(lang, st.Read, st.ReadZh))
			fmt.Fprintf(&b, "**%s** %s\n\n", L(lang, "run"), codeSpan(DemoRef{Name: st.Pattern, Args: strings.Fields(st.Try)}.Command()))
			fmt.Fprintf(&b, "**%s** %s\n\n", L(lang, "exercise"), strings.TrimSpace(pick(lang, st.Exercise, st.ExerciseZh)))
		}
		if p.Industry != "" {
			if n := s.Graph.Node(p.Industry); n != nil && n.Kind == "industries" && n.Chapter != "" {
				fmt.Fprintf(&b, "### %s%s%s {#%s-capstone}\n\n", L(lang, "capstone"), colon(lang), s.title(n, lang), pathAnchor(p.ID))
				fmt.Fprintf(&b, "**%s** %s · **%s** %s\n\n", L(lang, "read"), link(s.title(n, lang), n.Chapter, ""), L(lang, "run"), codeSpan(DemoRef{Name: n.ID}.Command()))
			}
		}
	}
	return b.String()
}

func (s *Site) pathMermaid(p Path, lang string) string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for i, st := range p.Steps {
		n := s.Graph.Node(st.Pattern)
		label := st.Pattern
		if n != nil {
			label = s.title(n, lang)
		}
		fmt.Fprintf(&b, "  s%d[\"%d. %s\"]\n", i+1, i+1, mermaidLabel(label))
		if i > 0 {
			fmt.Fprintf(&b, "  s%d --> s%d\n", i, i+1)
		}
	}
	return b.String()
}

// Troubleshooting renders the troubleshooting page body: the topics, then
// every user-facing error message in the code, with what it means.
func (s *Site) Troubleshooting(lang string) string {
	var b strings.Builder
	for _, t := range s.Data.Troubleshooting.Topics {
		fmt.Fprintf(&b, "## %s {#%s}\n\n", pick(lang, t.Title, t.TitleZh), topicAnchor(t.ID))
		fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(pick(lang, t.Body, t.BodyZh)))
		if l := s.linksLine(t.Links, lang); l != "" {
			fmt.Fprintf(&b, "%s\n\n", l)
		}
	}
	fmt.Fprintf(&b, "## %s {#%s}\n\n", L(lang, "errors"), anchorErrors)
	groups := map[string][]Message{}
	var dirs []string
	for _, m := range s.Msgs {
		if _, ok := groups[m.Dir]; !ok {
			dirs = append(dirs, m.Dir)
		}
		groups[m.Dir] = append(groups[m.Dir], m)
	}
	for _, dir := range dirs {
		fmt.Fprintf(&b, "### %s {#lab-ts-%s}\n\n", codeSpan(dir), strings.ReplaceAll(dir, "/", "-"))
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n|---|---|---|---|\n", L(lang, "message"), L(lang, "kind"), L(lang, "where"), L(lang, "means"))
		for _, m := range groups[dir] {
			means := ""
			if i := Explain(m, s.Data.Troubleshooting.Errors); i >= 0 {
				e := s.Data.Troubleshooting.Errors[i]
				means = pick(lang, e.Means, e.MeansZh)
			} else if m.Kind == KindUsage {
				means = L(lang, "usage-means")
			} else {
				means = L(lang, "error-means")
			}
			kind := L(lang, m.Kind)
			if m.Name != "" {
				kind += " " + codeSpan(m.Name)
			}
			where := fmt.Sprintf("[%s](labcode:%s#L%d)", codeSpan(fmt.Sprintf("%s:%d", strings.TrimPrefix(m.File, dir+"/"), m.Line)), m.File, m.Line)
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(codeSpan(m.Text)), kind, where, cell(means))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// GraphPage renders the knowledge graph page body: a Mermaid flowchart,
// the interactive graph's container and data, and every link as a table.
func (s *Site) GraphPage(lang string) string {
	var b strings.Builder
	b.WriteString("```mermaid\n" + s.GraphMermaid(lang) + "```\n\n")
	data, _ := json.Marshal(s.cytoscape(lang))
	b.WriteString(`<div id="lab-graph" class="lab-graph" aria-label="` + L(lang, "graph") + `"></div>` + "\n\n")
	b.WriteString(`<script type="application/json" id="lab-graph-data">` + string(data) + "</script>\n")
	b.WriteString(`<script src="laburl:assets/vendor/cytoscape.min.js"></script>` + "\n\n")
	fmt.Fprintf(&b, "## %s {#%s}\n\n| %s | %s | %s |\n|---|---|---|\n", L(lang, "edges"), anchorEdges, L(lang, "from"), L(lang, "relation"), L(lang, "to"))
	for _, e := range s.Graph.Edges {
		from, to := e.From, e.To
		if e.Kind == EdgePrerequisite {
			from, to = to, from
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", s.moduleLink(from, lang), L(lang, "edge:"+e.Kind), s.moduleLink(to, lang))
	}
	b.WriteString("\n")
	return b.String()
}

// GraphMermaid is the knowledge graph as a Mermaid flowchart in lang.
func (s *Site) GraphMermaid(lang string) string {
	legend := map[string]string{}
	for _, k := range []string{EdgePrerequisite, EdgeRelated, EdgeComposes, EdgeContrasts, EdgeIndustry} {
		legend[k] = L(lang, "edge:"+k)
	}
	for _, k := range []string{"group:patterns", "group:industries", "group:industry"} {
		legend[k] = L(lang, k)
	}
	return s.Graph.Mermaid(func(n Node) string { return s.title(&n, lang) }, legend)
}

type cyElement struct {
	Group string         `json:"group"`
	Data  map[string]any `json:"data"`
}

// cytoscape is the graph as Cytoscape.js elements; a node's url (a
// laburl: the hook resolves) opens its chapter.
func (s *Site) cytoscape(lang string) []cyElement {
	var els []cyElement
	for _, n := range s.Graph.Nodes {
		d := map[string]any{"id": n.ID, "label": s.title(&n, lang), "kind": n.Kind, "level": n.Level}
		if n.Chapter != "" {
			d["url"] = "laburl:" + n.Chapter
		}
		els = append(els, cyElement{Group: "nodes", Data: d})
	}
	for i, e := range s.Graph.Edges {
		from, to := e.From, e.To
		if e.Kind == EdgePrerequisite {
			from, to = to, from
		}
		els = append(els, cyElement{Group: "edges", Data: map[string]any{
			"id": fmt.Sprintf("e%d", i), "source": from, "target": to, "kind": e.Kind, "label": L(lang, "edge:"+e.Kind),
		}})
	}
	return els
}

// Related renders the section the hook appends to a module's chapter: its
// links in the graph, the paths through it, and the glossary terms, FAQ
// entries and interview questions that belong to it.
func (s *Site) Related(id, lang string) string {
	n := s.Graph.Node(id)
	if n == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## %s {#%s}\n\n", L(lang, "related"), anchorRelated)
	if names := s.otherNames(n, lang); len(names) > 0 {
		fmt.Fprintf(&b, "**%s%s**%s%s\n\n", L(lang, "chinese-name"), strings.TrimSpace(colon(lang)), strings.TrimLeft(colon(lang), "：:"), strings.Join(names, " · "))
	}
	b.WriteString("| | |\n|---|---|\n")
	row := func(key string, ids []string) {
		if len(ids) > 0 {
			fmt.Fprintf(&b, "| %s | %s |\n", L(lang, key), s.moduleLinks(ids, lang))
		}
	}
	pre, needed := s.Graph.Neighbours(id, EdgePrerequisite)
	relOut, relIn := s.Graph.Neighbours(id, EdgeRelated)
	conOut, conIn := s.Graph.Neighbours(id, EdgeContrasts)
	built, usedBy := s.Graph.Neighbours(id, EdgeComposes)
	inds, _ := s.Graph.Neighbours(id, EdgeIndustry)
	row("learn-first", pre)
	row("needed-by", needed)
	row("related-to", union(relOut, relIn))
	row("alternatives", union(conOut, conIn))
	row("built-from", built)
	row("used-by", usedBy)
	row("industries", inds)
	var steps []string
	for _, p := range s.Data.Paths.Paths {
		for i, st := range p.Steps {
			if st.Pattern == id {
				steps = append(steps, link(pick(lang, p.Title, p.TitleZh)+" "+stepTitle(lang, i+1), pageOf("paths"), stepAnchor(p.ID, i)))
			}
		}
	}
	if len(steps) > 0 {
		fmt.Fprintf(&b, "| %s | %s |\n", L(lang, "paths"), strings.Join(steps, ", "))
	}
	fmt.Fprintf(&b, "| %s | %s |\n\n", L(lang, "graph"), link(L(lang, "graph-link"), pageOf("graph"), ""))

	if terms := termsOf(s.Data, id); len(terms) > 0 {
		fmt.Fprintf(&b, "### %s {#%s}\n\n| %s | %s | %s |\n|---|---|---|\n", L(lang, "terms"), anchorTerms, L(lang, "term"), L(lang, "zh"), L(lang, "definition"))
		slices.SortStableFunc(terms, func(a, b Term) int { return strings.Compare(strings.ToLower(a.En), strings.ToLower(b.En)) })
		for _, t := range terms {
			name, other := t.En, t.Zh
			if lang == "zh" {
				name, other = t.Zh, t.En
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", link(name, pageOf("glossary"), termAnchor(t.ID)), cell(other), cell(pick(lang, t.Def, t.DefZh)))
		}
		b.WriteString("\n")
	}
	if entries := faqOf(s.Data, id); len(entries) > 0 {
		fmt.Fprintf(&b, "### %s {#%s}\n\n", L(lang, "faq"), anchorFAQ)
		for _, e := range entries {
			body := strings.TrimSpace(pick(lang, e.A, e.AZh))
			if l := s.linksLine(e.Links, lang); l != "" {
				body += "\n\n" + l
			}
			body += "\n\n" + link("FAQ", pageOf("faq"), faqAnchor(e.ID))
			fmt.Fprintf(&b, "??? question %s\n\n%s\n\n", quoteTitle(pick(lang, e.Q, e.QZh)), indent(body, 4))
		}
	}
	if qs := questionsOf(s.Data, id); len(qs) > 0 {
		fmt.Fprintf(&b, "### %s {#%s}\n\n", L(lang, "interview"), anchorInterview)
		for _, q := range levelOrder(qs) {
			body := s.questionMeta(q, lang) + "\n\n" + s.questionBody(q, lang)
			fmt.Fprintf(&b, "??? question %s\n\n%s\n\n", quoteTitle(fmt.Sprintf("%s (%s)", pick(lang, q.Q, q.QZh), L(lang, q.Level))), indent(body, 4))
		}
	}
	return b.String()
}

// quoteTitle quotes an admonition title.
func quoteTitle(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, "&quot;") + `"`
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
