package repo

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
)

// snippetLine matches a pymdownx.snippets include: --8<-- "path".
var snippetLine = regexp.MustCompile(`^\s*-{1,}8<-{1,}\s+["']([^"']+)["']\s*$`)

// Snippet returns the included path if line is a snippet include.
func Snippet(line string) (string, bool) {
	m := snippetLine.FindStringSubmatch(line)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// Heading is a markdown ATX heading outside code fences.
type Heading struct {
	Level int
	Text  string
	Line  int // 1-based
}

// FencedBlock is a fenced code block.
type FencedBlock struct {
	Lang string
	Body []string
	Line int // 1-based line of the opening fence
}

// Page is a parsed markdown page: enough structure for the checks.
type Page struct {
	Headings []Heading
	Blocks   []FencedBlock
	Snippets []Include // every include, inside fences or not
}

// Include is one snippet include and where it stands.
type Include struct {
	Path string
	Line int
}

// ParsePage reads headings, fenced blocks and snippet includes.
func ParsePage(data []byte) Page {
	var p Page
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1024*1024), 1024*1024)
	var open *FencedBlock
	var fence string
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if path, ok := Snippet(line); ok {
			p.Snippets = append(p.Snippets, Include{Path: path, Line: n})
		}
		if open != nil {
			if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, string(fence[0])) == "" {
				p.Blocks = append(p.Blocks, *open)
				open = nil
				continue
			}
			open.Body = append(open.Body, line)
			continue
		}
		if f := fenceOf(trimmed); f != "" {
			fence = f
			lang := strings.TrimSpace(strings.TrimLeft(trimmed, string(f[0])))
			if i := strings.IndexAny(lang, " {"); i >= 0 {
				lang = lang[:i]
			}
			open = &FencedBlock{Lang: lang, Line: n}
			continue
		}
		if strings.HasPrefix(line, "#") {
			level := len(line) - len(strings.TrimLeft(line, "#"))
			if level <= 6 && len(line) > level && line[level] == ' ' {
				p.Headings = append(p.Headings, Heading{Level: level, Text: strings.TrimSpace(line[level:]), Line: n})
			}
		}
	}
	return p
}

// fenceOf returns the fence marker (``` or ~~~, possibly longer) opening a
// block, or "".
func fenceOf(trimmed string) string {
	for _, c := range []string{"`", "~"} {
		if strings.HasPrefix(trimmed, c+c+c) {
			n := len(trimmed) - len(strings.TrimLeft(trimmed, c))
			return strings.Repeat(c, n)
		}
	}
	return ""
}
