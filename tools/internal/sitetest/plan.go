// Package sitetest loads the built docs site, every edition, in a real
// headless Chromium served from 127.0.0.1 and checks what a reader gets:
// every nav page answers 200 and logs no JavaScript error, every Mermaid
// block became an SVG, every internal link and anchor resolves, the offline
// search finds each pattern by its English and its Chinese name, the
// language switch goes to the counterpart page, and no request leaves the
// machine. A failure names the page and the reason, with a screenshot.
package sitetest

import (
	"fmt"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Edition is one language's build of the site.
type Edition struct {
	Lang   string   // "en", "zh": the hreflang of its language-switch link
	Prefix string   // its URL prefix under the site root: "" or "zh/"
	Pages  []string // edition-relative URLs of its nav pages: "", "patterns/saga/"
}

// Query is a search a reader types into an edition's search box, and the
// page (edition-relative URL) that must be among the results.
type Query struct {
	Lang string
	Text string
	Want string
}

// Plan is what to test: the built site directory, its editions and the
// searches. Out is where the log and the screenshots of failures go.
type Plan struct {
	Site     string
	Editions []Edition
	Queries  []Query
	Out      string
}

// Editions of the lab's site: the config that builds each and its prefix.
var Editions = []struct{ Lang, Config, Prefix string }{
	{"en", "mkdocs.yml", ""},
	{"zh", "mkdocs.zh.yml", "zh/"},
}

// PlanFor reads the plan from a checkout: the nav of each edition's config,
// and a search for every module's English title (pattern.yaml title) and
// Chinese title (zh.title).
func PlanFor(r *repo.Repo, site, out string) (Plan, error) {
	p := Plan{Site: site, Out: out}
	for _, e := range Editions {
		if !r.Exists(e.Config) {
			continue
		}
		pages, err := r.NavPages(e.Config)
		if err != nil {
			return p, fmt.Errorf("%s: %w", e.Config, err)
		}
		ed := Edition{Lang: e.Lang, Prefix: e.Prefix}
		for _, pg := range pages {
			ed.Pages = append(ed.Pages, repo.PageURL(pg))
		}
		p.Editions = append(p.Editions, ed)
	}
	mods, err := r.Modules()
	if err != nil {
		return p, err
	}
	for _, m := range mods {
		meta, err := r.ReadPattern(m)
		if err != nil {
			return p, fmt.Errorf("%s/pattern.yaml: %w", m.Dir(), err)
		}
		want := m.Kind + "/" + m.Name + "/"
		if t := strings.TrimSpace(meta.Title); t != "" {
			p.Queries = append(p.Queries, Query{Lang: "en", Text: t, Want: want})
		}
		if t := strings.TrimSpace(meta.Zh.Title); t != "" {
			p.Queries = append(p.Queries, Query{Lang: "zh", Text: t, Want: want})
		}
	}
	return p, nil
}

func (p Plan) edition(lang string) (Edition, bool) {
	for _, e := range p.Editions {
		if e.Lang == lang {
			return e, true
		}
	}
	return Edition{}, false
}
