package languages

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gobackpressure "github.com/patternlab/patternlab/languages/backpressure/go"
	gocqrs "github.com/patternlab/patternlab/languages/cqrs/go"
	gosaga "github.com/patternlab/patternlab/languages/saga/go"
	goworkflow "github.com/patternlab/patternlab/languages/workflow/go"
)

// pattern is one pattern's programs in the three languages.
type pattern struct {
	name  string
	java  string   // main class
	rust  string   // binary
	seeds []uint64 // compared for each
	// goColumn returns Go's summary for seed, and the flags that make the
	// Java and Rust programs run the same configuration.
	goColumn func(t *testing.T, seed uint64) (summary, args []string)
	// safeguardsOff are the switches that each turn off one safeguard the
	// invariant depends on: the demo must end VIOLATED with any of them.
	safeguardsOff []string
}

var patterns = []pattern{
	{
		name: "backpressure", seeds: []uint64{1, 2, 3, 11},
		goColumn: func(t *testing.T, seed uint64) ([]string, []string) {
			return gobackpressure.Summary(gobackpressure.DefaultWorkload(seed)), []string{"-seed", fmt.Sprint(seed)}
		},
		safeguardsOff: []string{"-inbox=false"},
	},
	{
		name: "saga", seeds: []uint64{82, 1, 2, 3, 7, 42},
		goColumn: func(t *testing.T, seed uint64) ([]string, []string) {
			return must(t)(gosaga.Summary(gosaga.Config{Orders: 12, Seed: seed, FaultRate: 0.3, Idempotent: true})),
				[]string{"-seed", fmt.Sprint(seed), "-orders", "12", "-fault-rate", "0.3"}
		},
		safeguardsOff: []string{"-idempotency=false"},
	},
	{
		name: "cqrs", seeds: []uint64{1, 2, 3, 9, 77},
		goColumn: func(t *testing.T, seed uint64) ([]string, []string) {
			return must(t)(gocqrs.Summary(gocqrs.Config{Accounts: 4, Commands: 80, Seed: seed})),
				[]string{"-seed", fmt.Sprint(seed), "-accounts", "4", "-commands", "80"}
		},
		safeguardsOff: []string{"-occ=false", "-dedupe=false"},
	},
	{
		// The export comes from patterns/workflow's generator for each seed;
		// the programs read it, as the collect stage reads a gateway's file.
		name: "workflow", seeds: []uint64{1, 2, 5, 8},
		goColumn: func(t *testing.T, seed uint64) ([]string, []string) {
			dir := t.TempDir()
			source := filepath.Join(dir, "readings.csv")
			if err := goworkflow.WriteDataset(seed, goworkflow.Records, source); err != nil {
				t.Fatal(err)
			}
			return must(t)(goworkflow.Summary(context.Background(), source, dir, 2)),
				[]string{"-source", source, "-poison", "2", "-store-delay-ms", "0"}
		},
		safeguardsOff: []string{"-bounded=false", "-upsert=false"},
	},
}

// must fails the test on a Go column's error.
func must(t *testing.T) func([]string, error) []string {
	return func(lines []string, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return lines
	}
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
				want, args := pat.goColumn(t, seed)
				for lang, got := range summaries(t, p, pat, seed, args...) {
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
		want, args := pat.goColumn(t, seed)
		for lang, got := range summaries(t, p, pat, seed, append(args, "-perturb-schedule")...) {
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
				"java": func() (Result, error) { return p.Java(pat.demo().JavaMain, args...) },
				"rust": func() (Result, error) { return p.Rust(pat.demo().RustBin, args...) },
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

func (p pattern) demo() Demo {
	for _, d := range Demos {
		if d.Pattern == p.name {
			return d
		}
	}
	panic("no demo named " + p.name)
}

func summaries(t *testing.T, p *Programs, pat pattern, seed uint64, args ...string) map[string]Result {
	t.Helper()
	args = append([]string{"-summary"}, args...)
	java, err := p.Java(pat.demo().JavaMain, args...)
	if err != nil {
		t.Fatal(err)
	}
	rust, err := p.Rust(pat.demo().RustBin, args...)
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

// TestHostileExport: an export with random bytes, CRLF line ends, invalid
// UTF-8 and near-miss numbers is cleaned the same way in the three
// languages, and none of them crashes on it.
func TestHostileExport(t *testing.T) {
	p := Require(t)
	dir := t.TempDir()
	source := filepath.Join(dir, "hostile.csv")
	if err := goworkflow.WriteDataset(3, 300, source); err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range junk {
		junk[i] = byte(rng.UintN(256))
	}
	hostile := "\na,b,temperature,1772431200000,20,C\r\n\xff\xfe,b,temperature,1772431200000,20,C\n" +
		"k1,m1,pressure,+1772431200000,0x1p7,bar\nk2,m1,pressure,1772431200000,1e400,bar\nk3,m1,pressure,1772431200000,.5,kPa\n" +
		"k4,m1,vibration,1772431200000,5.,in/s\nk5,m1,vibration,1772431200000,1_0,mm/s\nk9,m1,pressure,1772431200000,0x_1p4,bar\nk10,m1,pressure,1772431200000,1e0_2,bar\nk11,m1,pressure,1772431200000,1_.5,bar\nk6,m1,vibration,1772431200000,Infinity,mm/s\n" +
		" k7 , m1 ,temperature, 1772431200000 ,-40,C\nk8,m1,temperature,1772431200000,-40.0001,C\n,,,,,\n"
	f, err := os.OpenFile(source, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(append(append(junk, hostile...), junk[:100]...)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	want := must(t)(goworkflow.Summary(context.Background(), source, dir, 1))
	for lang, got := range summaries(t, p, pattern{name: "workflow"}, 0, "-source", source, "-poison", "1", "-store-delay-ms", "0") {
		if got.Exit != 0 {
			t.Errorf("%s exited %d on the hostile export: %s", lang, got.Exit, got.Stderr)
		}
		if d := diff(want, got.Lines()); d != "" {
			t.Errorf("%s cleans the hostile export differently from Go (- Go, + %s):\n%s", lang, lang, d)
		}
	}
}
