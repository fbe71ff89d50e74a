// Package otherlang checks the "Other languages" section of every docs page:
// each code block there must be included from a real, compiled file
// (`--8<-- "languages/saga/java/saga/Orchestrator.java"`), unless the line
// just above it marks it as not compiled, with the reason:
//
//	_Not compiled: needs the Temporal Java SDK, which cannot be fetched here._
//
// so a reader always knows whether a snippet was built by `make test`.
package otherlang

import (
	"regexp"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/contract"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Section is the heading whose code blocks are checked.
const Section = "Other languages"

// Marker matches the line that marks the next code block as not compiled.
var Marker = regexp.MustCompile(`^_Not compiled\b[^_]*_$`)

// Check returns a finding for every code block of an "Other languages"
// section that is neither an include nor marked as not compiled.
func Check(r *repo.Repo) ([]contract.Finding, error) {
	pages, err := r.Files("docs", ".md")
	if err != nil {
		return nil, err
	}
	var out []contract.Finding
	for _, p := range pages {
		data, err := r.Read(p)
		if err != nil {
			return nil, err
		}
		out = append(out, CheckPage(p, data)...)
	}
	return out, nil
}

// CheckPage checks one page.
func CheckPage(file string, data []byte) []contract.Finding {
	page := repo.ParsePage(data)
	start, end := -1, -1
	for _, h := range page.Headings {
		if h.Level == 2 && start >= 0 && end < 0 {
			end = h.Line
		}
		if h.Level == 2 && h.Text == Section {
			start = h.Line
		}
	}
	if start < 0 {
		return nil
	}
	if end < 0 {
		end = 1 << 30
	}
	lines := strings.Split(string(data), "\n")
	var out []contract.Finding
	for _, b := range page.Blocks {
		if b.Line <= start || b.Line >= end || included(b) || marked(lines, b.Line) {
			continue
		}
		out = append(out, contract.Finding{File: file, Line: b.Line, Msg: "code block in \"" + Section + "\" is pasted: include a compiled file " +
			"(--8<-- \"languages/<pattern>/...\") or mark it with a line `_Not compiled: <why>_` just above the fence"})
	}
	return out
}

// included reports whether every non-blank line of the block is a snippet include.
func included(b repo.FencedBlock) bool {
	n := 0
	for _, l := range b.Body {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if _, ok := repo.Snippet(l); !ok {
			return false
		}
		n++
	}
	return n > 0
}

// marked reports whether the nearest non-blank line above the fence (1-based
// line) is the not-compiled marker.
func marked(lines []string, fence int) bool {
	for i := fence - 2; i >= 0; i-- {
		if t := strings.TrimSpace(lines[i]); t != "" {
			return Marker.MatchString(t)
		}
	}
	return false
}
