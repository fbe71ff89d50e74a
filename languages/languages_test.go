package languages

import (
	"fmt"
	"strings"
	"testing"

	gobackpressure "github.com/patternlab/patternlab/languages/backpressure/go"
	gocqrs "github.com/patternlab/patternlab/languages/cqrs/go"
	gosaga "github.com/patternlab/patternlab/languages/saga/go"
)

// pattern is one pattern's programs in the three languages.
type pattern struct {
	name     string
	java     string   // main class
	rust     string   // binary
	seeds    []uint64 // compared for each
	args     []string // fixed flags for the summary runs
	goColumn func(seed uint64) ([]string, error)
	// safeguardsOff are the switches that each turn off one safeguard the
	// invariant depends on: the demo must end VIOLATED with any of them.
	safeguardsOff []string
}

var patterns = []pattern{
	{
		name: "backpressure", java: "backpressure.Main", rust: "backpressure", seeds: []uint64{1, 2, 3, 11},
		goColumn:      func(seed uint64) ([]string, error) { return gobackpressure.Summary(gobackpressure.DefaultWorkload(seed)), nil },
		safeguardsOff: []string{"-inbox=false"},
	},
	{
		name: "saga", java: "saga.Main", rust: "saga", seeds: []uint64{82, 1, 2, 3, 7, 42},
		args: []string{"-orders", "12", "-fault-rate", "0.3"},
		goColumn: func(seed uint64) ([]string, error) {
			return gosaga.Summary(gosaga.Config{Orders: 12, Seed: seed, FaultRate: 0.3, Idempotent: true})
		},
		safeguardsOff: []string{"-idempotency=false"},
	},
	{
		name: "cqrs", java: "cqrs.Main", rust: "cqrs", seeds: []uint64{1, 2, 3, 9, 77},
		args: []string{"-accounts", "4", "-commands", "80"},
		goColumn: func(seed uint64) ([]string, error) {
			return gocqrs.Summary(gocqrs.Config{Accounts: 4, Commands: 80, Seed: seed})
		},
		safeguardsOff: []string{"-occ=false", "-dedupe=false"},
	},
}

func (p pattern) summaryArgs(seed uint64, extra ...string) []string {
	return append(append([]string{"-summary", "-seed", fmt.Sprint(seed)}, p.args...), extra...)
}

// TestJava runs the Java programs' own tests (lab.TestRunner, main-based:
// JUnit cannot be fetched here).
func TestJava(t *testing.T) {
	p := Require(t)
	r, err := p.Java("lab.TestRunner", p.JavaTest...)
	if err != nil || r.Exit != 0 {
		t.Fatalf("java tests failed (exit %d, %v):\n%s%s", r.Exit, err, r.Stdout, r.Stderr)
	}
	t.Logf("java: %s", r.Last())
}

// TestRust runs `cargo test` on the Rust workspace.
func TestRust(t *testing.T) {
	p := Require(t)
	r, err := p.CargoTest()
	if err != nil || r.Exit != 0 {
		t.Fatalf("cargo test failed (exit %d, %v):\n%s%s", r.Exit, err, r.Stdout, r.Stderr)
	}
}

// TestSameSummary: for the same seed, Go (the pattern module's own code),
// Java and Rust print byte-identical summaries.
func TestSameSummary(t *testing.T) {
	p := Require(t)
	for _, pat := range patterns {
		for _, seed := range pat.seeds {
			t.Run(fmt.Sprintf("%s/seed=%d", pat.name, seed), func(t *testing.T) {
				want, err := pat.goColumn(seed)
				if err != nil {
					t.Fatal(err)
				}
				for lang, got := range summaries(t, p, pat, seed) {
					if d := diff(want, got.Lines()); d != "" {
						t.Errorf("%s's summary differs from Go's (- Go, + %s):\n%s", lang, lang, d)
					}
				}
			})
		}
	}
}

// TestPerturbedScheduleIsCaught proves the comparison can fail: each program
// run with a changed fault schedule must differ from Go.
func TestPerturbedScheduleIsCaught(t *testing.T) {
	p := Require(t)
	for _, pat := range patterns {
		seed := pat.seeds[0]
		want, err := pat.goColumn(seed)
		if err != nil {
			t.Fatal(err)
		}
		for lang, got := range summaries(t, p, pat, seed, "-perturb-schedule") {
			if diff(want, got.Lines()) == "" {
				t.Errorf("%s %s with -perturb-schedule still matches Go: the comparison cannot see a changed schedule", pat.name, lang)
			}
		}
	}
}

// TestDemos: every demo ends HELD with exit 0, and VIOLATED with exit 1 when
// its safeguard is switched off.
func TestDemos(t *testing.T) {
	p := Require(t)
	for _, pat := range patterns {
		for _, off := range append([]string{""}, pat.safeguardsOff...) {
			var args []string
			wantExit, wantLast := 0, "[invariant] HELD: "
			if off != "" {
				args, wantExit, wantLast = []string{off}, 1, "[invariant] VIOLATED: "
			}
			for lang, r := range map[string]func() (Result, error){
				"java": func() (Result, error) { return p.Java(pat.java, args...) },
				"rust": func() (Result, error) { return p.Rust(pat.rust, args...) },
			} {
				res, err := r()
				if err != nil {
					t.Fatal(err)
				}
				if res.Exit != wantExit || !strings.HasPrefix(res.Last(), wantLast) {
					t.Errorf("%s %s %v: exit %d, last line %q; want exit %d and %q...\n%s", pat.name, lang, args, res.Exit, res.Last(), wantExit, wantLast, res.Stderr)
				}
			}
		}
	}
}

func summaries(t *testing.T, p *Programs, pat pattern, seed uint64, extra ...string) map[string]Result {
	t.Helper()
	java, err := p.Java(pat.java, pat.summaryArgs(seed, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	rust, err := p.Rust(pat.rust, pat.summaryArgs(seed, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Result{"java": java, "rust": rust}
}

// diff lists the lines that differ, or "" when want and got are equal.
func diff(want, got []string) string {
	var b strings.Builder
	for i := 0; i < max(len(want), len(got)); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, w, g)
		}
	}
	return b.String()
}
