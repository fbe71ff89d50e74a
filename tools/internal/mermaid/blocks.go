// Package mermaid finds every Mermaid diagram of the docs (blocks in
// docs/**/*.md and docs-zh/**/*.md, files in diagrams/**/*.mmd, the Chinese
// *.zh.mmd among them) and parses them all with the real
// Mermaid library in one headless Chromium, reporting file:line and the
// parser's message for each bad one.
package mermaid

import (
	"fmt"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Block is one diagram's source and where it came from.
type Block struct {
	File string // root-relative
	Line int    // 1-based line of the diagram's first source line
	Text string
}

// Collect gathers every diagram. A fenced block whose only content is an
// include of a .mmd file is that file's diagram, checked once as the file.
func Collect(r *repo.Repo) ([]Block, error) {
	var blocks []Block
	seen := map[string]bool{}
	mmds, err := r.Files("diagrams", ".mmd")
	if err != nil {
		return nil, err
	}
	for _, f := range mmds {
		data, err := r.Read(f)
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, Block{File: f, Line: 1, Text: string(data)})
		seen[f] = true
	}
	pages, err := r.Files("docs", ".md")
	if err != nil {
		return nil, err
	}
	zh, err := r.Files("docs-zh", ".md") // the Chinese edition
	if err != nil {
		return nil, err
	}
	for _, p := range append(pages, zh...) {
		data, err := r.Read(p)
		if err != nil {
			return nil, err
		}
		for _, b := range repo.ParsePage(data).Blocks {
			if b.Lang != "mermaid" {
				continue
			}
			if inc, only := onlyInclude(b.Body); only {
				if !seen[inc] && r.Exists(inc) {
					data, err := r.Read(inc)
					if err != nil {
						return nil, err
					}
					blocks = append(blocks, Block{File: inc, Line: 1, Text: string(data)})
					seen[inc] = true
				}
				continue
			}
			text, err := expand(r, b.Body)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", p, b.Line, err)
			}
			blocks = append(blocks, Block{File: p, Line: b.Line + 1, Text: text})
		}
	}
	return blocks, nil
}

func onlyInclude(body []string) (string, bool) {
	var inc string
	for _, l := range body {
		if strings.TrimSpace(l) == "" {
			continue
		}
		p, ok := repo.Snippet(l)
		if !ok || inc != "" {
			return "", false
		}
		inc = p
	}
	return inc, inc != ""
}

// expand replaces snippet includes inside a block with the files' text, as
// pymdownx.snippets does before Mermaid sees it.
func expand(r *repo.Repo, body []string) (string, error) {
	var b strings.Builder
	for _, l := range body {
		if p, ok := repo.Snippet(l); ok {
			data, err := r.Read(p)
			if err != nil {
				return "", err
			}
			b.Write(data)
			continue
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String(), nil
}
