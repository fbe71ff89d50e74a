package benchsite

import (
	"strings"
	"testing"

	"github.com/patternlab/patternlab/tools/internal/testrepo"
)

const pattern = `name: m
bench:
  count: 2
  ratios:
    - {bench: Work/real, anchor: AnchorFloor/bare, unit: msgs/s, target: 3}
`

const results = `machine: 2 cores
BenchmarkWork/real-2 1 1 ns/op 1000 msgs/s
BenchmarkAnchorFloor/bare-2 1 1 ns/op 4000 msgs/s
`

// TestCheckFindsWhatIsStaleOrUnexplained: make check's findings for the
// derived files and the bench section, and none once they are written.
func TestCheckFindsWhatIsStaleOrUnexplained(t *testing.T) {
	r := testrepo.New(t)
	testrepo.Write(t, r.Root, "patterns/m/go.mod", "module m\n")
	testrepo.Write(t, r.Root, "patterns/m/pattern.yaml", pattern)
	testrepo.Write(t, r.Root, "patterns/alone/go.mod", "module alone\n")
	testrepo.Write(t, r.Root, "patterns/alone/pattern.yaml", "name: alone\n")
	testrepo.Write(t, r.Root, "benchmarks/results/m.txt", results)
	testrepo.Write(t, r.Root, "benchmarks/results/alone.txt", results)

	bad := strings.Join(Findings(r), "\n")
	for _, want := range []string{
		"bench.count 2 is under 6 without bench.why",
		"benchmarks/results/m.ratios.md: missing or stale",
		"docs/assets/bench/m-ratios.svg: missing or stale",
		Summary + ": missing or stale",
	} {
		if !strings.Contains(bad, want) {
			t.Errorf("findings lack %q:\n%s", want, bad)
		}
	}

	testrepo.Write(t, r.Root, "patterns/m/pattern.yaml", pattern+"  why: each round takes minutes\n")
	if err := Write(r); err != nil {
		t.Fatal(err)
	}
	if bad := Findings(r); len(bad) > 0 {
		t.Fatalf("after Write: %v", bad)
	}
	md, _ := r.Read("benchmarks/results/m.ratios.md")
	if !strings.Contains(string(md), "**4x**") || !strings.Contains(string(md), "**missed**") {
		t.Errorf("ratio table does not show 4x and the missed target of 3x:\n%s", md)
	}
	summary, _ := r.Read(Summary)
	if !strings.Contains(string(summary), "No anchor declared yet") || !strings.Contains(string(summary), "alone") {
		t.Errorf("the summary does not name the module without anchors:\n%s", summary)
	}

	// a results file changed by hand: the derived files are stale
	testrepo.Write(t, r.Root, "benchmarks/results/m.txt", strings.Replace(results, "1000 msgs/s", "2000 msgs/s", 1))
	if bad := strings.Join(Findings(r), "\n"); !strings.Contains(bad, "m.ratios.md: missing or stale") {
		t.Errorf("a changed result left the ratios fresh: %s", bad)
	}
	// a declared anchor missing from the results
	testrepo.Write(t, r.Root, "benchmarks/results/m.txt", strings.Replace(results, "AnchorFloor", "Other", 1))
	if bad := strings.Join(Findings(r), "\n"); !strings.Contains(bad, "AnchorFloor/bare is not in the results") {
		t.Errorf("a missing anchor was not named: %s", bad)
	}
	// a chart nothing draws any more
	testrepo.Write(t, r.Root, "benchmarks/results/m.txt", results)
	testrepo.Write(t, r.Root, ChartDir+"/old.svg", "<svg/>")
	if bad := strings.Join(Findings(r), "\n"); !strings.Contains(bad, "old.svg: no results") {
		t.Errorf("a left-over chart was not found: %s", bad)
	}
}
