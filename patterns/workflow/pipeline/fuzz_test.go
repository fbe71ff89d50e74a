package pipeline_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// The collect stage reads the gateway's export, bytes nobody checked.
// Whatever the file and the range, ScanSource emits exactly the file's
// lines in [from, to) (split as text lines: a final line without a newline
// counts, a trailing \r is dropped), each with the ID of its 1-based
// position, in order; or it fails on a line longer than its buffer. A
// dataset written by WriteFile is read back line for line.
func FuzzScanSource(f *testing.F) {
	for _, l := range pipeline.Generate(5, 20).Lines {
		f.Add([]byte(l.Raw+"\n"+l.Raw), 0, -1)
	}
	f.Add([]byte("a\r\nb\n\nc"), 1, 3)
	f.Add([]byte("\n\n\n"), 2, 1)
	f.Add([]byte("x\r"), -3, 100)
	f.Add([]byte{}, 0, 0)
	path := filepath.Join(f.TempDir(), "export.csv") // each fuzz worker is a process of its own
	f.Fuzz(func(t *testing.T, data []byte, from, to int) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		lines, err := pipeline.ReadSource(path, from, to)
		want := textLines(string(data))
		if err != nil {
			for _, l := range want {
				if len(l) >= 1024*1024 {
					return
				}
			}
			t.Fatalf("%q: %v", data, err)
		}
		var exp []pipeline.Line
		for i, raw := range want {
			if i >= from && (to < 0 || i < to) {
				exp = append(exp, pipeline.Line{ID: pipeline.LineID(i + 1), Raw: raw})
			}
		}
		if len(lines) != len(exp) {
			t.Fatalf("%q [%d, %d): %d lines, want %d", data, from, to, len(lines), len(exp))
		}
		for i := range exp {
			if lines[i] != exp[i] {
				t.Fatalf("%q [%d, %d): line %d is %+v, want %+v", data, from, to, i, lines[i], exp[i])
			}
		}

		// What WriteFile writes (lines without a newline in them) comes back.
		var d pipeline.Dataset
		for _, raw := range want {
			if !strings.ContainsAny(raw, "\r\n") {
				d.Lines = append(d.Lines, pipeline.Line{Raw: raw})
			}
		}
		if err := d.WriteFile(path); err != nil {
			t.Fatal(err)
		}
		back, err := pipeline.ReadSource(path, 0, -1)
		if err != nil || len(back) != len(d.Lines) {
			t.Fatalf("dataset of %d lines read back as %d: %v", len(d.Lines), len(back), err)
		}
		for i, l := range back {
			if l.Raw != d.Lines[i].Raw || l.ID != pipeline.LineID(i+1) {
				t.Fatalf("line %d written %q, read %+v", i, d.Lines[i].Raw, l)
			}
		}
	})
}

// textLines splits s as a text file's lines, independently of bufio.
func textLines(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "\n")
	if parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	for i, p := range parts {
		parts[i] = strings.TrimSuffix(p, "\r")
	}
	return parts
}
