// Package logtail keeps the last lines a child server wrote, so that when it
// fails to start or dies the error can say why instead of "exited".
package logtail

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
)

// Tail is an io.Writer that keeps the first First lines (default none: a
// panic's message comes before its long stack trace), the last Lines lines
// (default 40) and the line being written, each cut to 1 KiB. It is safe
// for concurrent use.
type Tail struct {
	First   int
	Lines   int
	mu      sync.Mutex
	partial []byte
	head    []string
	lines   []string
	dropped int // lines kept in neither head nor lines
}

const maxLine = 1 << 10

// Write keeps the lines of p; a line without its newline waits for the rest.
func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.partial = appendCapped(t.partial, p)
			break
		}
		t.partial = appendCapped(t.partial, p[:i])
		t.push(string(t.partial))
		t.partial = t.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

func appendCapped(dst, p []byte) []byte {
	if room := maxLine - len(dst); room < len(p) {
		return append(dst, p[:max(room, 0)]...)
	}
	return append(dst, p...)
}

func (t *Tail) push(line string) {
	if len(t.head) < t.First {
		t.head = append(t.head, line)
		return
	}
	limit := t.Lines
	if limit <= 0 {
		limit = 40
	}
	t.lines = append(t.lines, line)
	if len(t.lines) > limit {
		t.dropped += len(t.lines) - limit
		t.lines = append(t.lines[:0], t.lines[len(t.lines)-limit:]...)
	}
}

// String is the kept lines, oldest first, with a line not yet ended last;
// when lines were dropped between the first and the last, a line says how
// many.
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	kept := append([]string(nil), t.head...)
	if len(t.head) > 0 && t.dropped > 0 {
		kept = append(kept, fmt.Sprintf("[... %d lines not kept ...]", t.dropped))
	}
	out := strings.Join(append(kept, t.lines...), "\n")
	if len(t.partial) > 0 {
		if out != "" {
			out += "\n"
		}
		out += string(t.partial)
	}
	return out
}

// Contains reports whether a kept line contains s.
func (t *Tail) Contains(s string) bool { return strings.Contains(t.String(), s) }

// Indented is String with every line indented, for an error message; "" when
// nothing was written.
func (t *Tail) Indented(prefix string) string {
	s := t.String()
	if s == "" {
		return ""
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
