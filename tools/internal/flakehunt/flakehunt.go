// Package flakehunt tallies repeated `go test -json` runs: per test, how
// many runs failed and what the first failure printed. A test that fails
// once in twenty runs under load has a timing assumption or has found a
// race; both are bugs.
package flakehunt

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// event is one line of `go test -json` (test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// Run is the outcome of one `go test -json` run.
type Run struct {
	Failed map[string]string // "pkg TestName" (or "pkg (package)") -> its output
	Passed map[string]bool
}

// Parse reads one run's JSON events. A package that fails without a failing
// test (a build error, a panic outside a test, a timeout) is reported as
// "<pkg> (package)" with the package's output.
func Parse(r io.Reader) (Run, error) {
	run := Run{Failed: map[string]string{}, Passed: map[string]bool{}}
	out := map[string]*strings.Builder{}
	failedTests := map[string]int{} // per package
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			// go test prints build errors as plain text before the JSON
			key := "(build) (package)"
			if out[key] == nil {
				out[key] = &strings.Builder{}
			}
			out[key].Write(line)
			out[key].WriteByte('\n')
			continue
		}
		key := e.Package + " " + e.Test
		if e.Test == "" {
			key = e.Package + " (package)"
		}
		switch e.Action {
		case "output":
			if out[key] == nil {
				out[key] = &strings.Builder{}
			}
			out[key].WriteString(e.Output)
		case "pass":
			if e.Test != "" {
				run.Passed[key] = true
			}
		case "fail":
			if e.Test != "" {
				run.Failed[key] = text(out[key])
				failedTests[e.Package]++
			} else if failedTests[e.Package] == 0 {
				run.Failed[key] = text(out[key]) + text(out["(build) (package)"])
			}
		}
	}
	if b := out["(build) (package)"]; b != nil && len(run.Failed) == 0 {
		run.Failed["(build) (package)"] = b.String()
	}
	return run, sc.Err()
}

func text(b *strings.Builder) string {
	if b == nil {
		return ""
	}
	return b.String()
}

// Tally is the failures of one test over many runs.
type Tally struct {
	Test         string
	Runs         int
	Failures     int
	FirstFailure string // the output of the first failed run
	FirstRun     int    // which run (1-based)
}

// Report accumulates runs.
type Report struct {
	runs    int
	tallies map[string]*Tally
}

// Add records one run.
func (r *Report) Add(run Run) {
	if r.tallies == nil {
		r.tallies = map[string]*Tally{}
	}
	r.runs++
	for test, output := range run.Failed {
		t := r.tallies[test]
		if t == nil {
			t = &Tally{Test: test, FirstFailure: output, FirstRun: r.runs}
			r.tallies[test] = t
		}
		t.Failures++
	}
}

// Failures lists the tests that failed at least once, most failures first.
func (r *Report) Failures() []Tally {
	var out []Tally
	for _, t := range r.tallies {
		c := *t
		c.Runs = r.runs
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Failures != out[j].Failures {
			return out[i].Failures > out[j].Failures
		}
		return out[i].Test < out[j].Test
	})
	return out
}

// Write prints the table and each failing test's first failure (its last
// lines, which say what went wrong).
func (r *Report) Write(w io.Writer, module string) {
	fails := r.Failures()
	if len(fails) == 0 {
		fmt.Fprintf(w, "flake-hunt %s: %d runs, no test failed\n", module, r.runs)
		return
	}
	fmt.Fprintf(w, "flake-hunt %s: %d runs, %d tests failed at least once\n", module, r.runs, len(fails))
	fmt.Fprintf(w, "| test | runs | failed | first failed in run |\n|---|---|---|---|\n")
	for _, t := range fails {
		fmt.Fprintf(w, "| %s | %d | %d | %d |\n", t.Test, t.Runs, t.Failures, t.FirstRun)
	}
	for _, t := range fails {
		fmt.Fprintf(w, "\n--- first failure of %s (run %d):\n%s\n", t.Test, t.FirstRun, lastLines(t.FirstFailure, 60))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d lines before]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
