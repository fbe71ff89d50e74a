package benchratio

import (
	"strings"
	"testing"

	"github.com/patternlab/patternlab/tools/internal/benchtable"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// committed is a results file as make bench writes it: a module benchmark
// and its anchors, three runs each.
const committed = `machine: 2 cores
pkg: example
BenchmarkFlatOut/jetstream-pull-2 1 1000 ns/op 5000 msgs/s
BenchmarkFlatOut/jetstream-pull-2 1 1000 ns/op 6000 msgs/s
BenchmarkFlatOut/jetstream-pull-2 1 1000 ns/op 5500 msgs/s
BenchmarkAnchorNATSBench/js-pub-sync-2 1 1000 ns/op 22000 msgs/s
BenchmarkAnchorNATSBench/js-pub-sync-2 1 1000 ns/op 22000 msgs/s
BenchmarkAnchorNATSBench/js-pub-sync-2 1 1000 ns/op 22000 msgs/s
BenchmarkLoad/events=10-2 1 1000 ns/op 2.0 ms/load
BenchmarkAnchorMemoryLoad/events=10-2 1 1000 ns/op 0.5 ms/load
`

var spec = []repo.BenchRatio{
	{Bench: "FlatOut/jetstream-pull", Anchor: "AnchorNATSBench/js-pub-sync", Unit: "msgs/s"},
	{Bench: "Load/events=10", Anchor: "AnchorMemoryLoad/events=10", Unit: "ms/load"},
}

func measure(t *testing.T, results string) ([]Ratio, error) {
	t.Helper()
	run, err := benchtable.Parse(strings.NewReader(results), "test.txt")
	if err != nil {
		t.Fatal(err)
	}
	return Measure("backpressure", spec, run)
}

func TestMeasureStatesCostRatiosFromMedians(t *testing.T) {
	rs, err := measure(t, committed)
	if err != nil {
		t.Fatal(err)
	}
	// a rate: the anchor's median over the benchmark's (22,000 / 5,500)
	if r := rs[0]; r.Value != 4 || r.BenchValue != 5500 || r.AnchorValue != 22000 || r.Runs != 3 {
		t.Errorf("rate ratio: %+v, want 4 from medians 5,500 and 22,000 over 3 runs", r)
	}
	// a cost: the benchmark's over the anchor's (2.0 / 0.5)
	if r := rs[1]; r.Value != 4 {
		t.Errorf("cost ratio: %+v, want 4", r)
	}
}

func TestMeasureNamesWhatIsMissing(t *testing.T) {
	noAnchor := strings.ReplaceAll(committed, "BenchmarkAnchorNATSBench/js-pub-sync-2", "BenchmarkOther-2")
	if _, err := measure(t, noAnchor); err == nil || !strings.Contains(err.Error(), "AnchorNATSBench/js-pub-sync is not in the results") {
		t.Fatalf("got %v, want the missing anchor named", err)
	}
	noUnit := strings.ReplaceAll(committed, "ms/load", "ns/load")
	if _, err := measure(t, noUnit); err == nil || !strings.Contains(err.Error(), "has no ms/load") {
		t.Fatalf("got %v, want the missing unit named", err)
	}
}

// TestCompareFailsOnADoctoredResultsFile: the same quick run passes against
// the committed results and fails against a copy doctored to claim the
// JetStream strategy was twice as fast, naming the benchmark.
func TestCompareFailsOnADoctoredResultsFile(t *testing.T) {
	quick := `BenchmarkFlatOut/jetstream-pull-2 1 1000 ns/op 4800 msgs/s
BenchmarkAnchorNATSBench/js-pub-sync-2 1 1000 ns/op 23000 msgs/s
BenchmarkLoad/events=10-2 1 1000 ns/op 2.2 ms/load
BenchmarkAnchorMemoryLoad/events=10-2 1 1000 ns/op 0.5 ms/load
`
	now, err := measure(t, quick)
	if err != nil {
		t.Fatal(err)
	}
	base, err := measure(t, committed)
	if err != nil {
		t.Fatal(err)
	}
	if regs, missing := Compare(base, now, DefaultThreshold); len(regs)+len(missing) > 0 {
		t.Fatalf("the honest results fail: %v %v", regs, missing)
	}
	doctored := strings.NewReplacer(" 5000 msgs/s", " 10000 msgs/s", " 6000 msgs/s", " 12000 msgs/s", " 5500 msgs/s", " 11000 msgs/s").Replace(committed)
	fake, err := measure(t, doctored)
	if err != nil {
		t.Fatal(err)
	}
	regs, missing := Compare(fake, now, DefaultThreshold)
	if len(regs) != 1 || len(missing) != 0 {
		t.Fatalf("doctored results: %v %v, want one regression", regs, missing)
	}
	msg := regs[0].String()
	for _, want := range []string{"backpressure", "FlatOut/jetstream-pull", "AnchorNATSBench/js-pub-sync", "committed 2.00 (worst round 2.20)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("regression %q does not say %q", msg, want)
		}
	}
	// a quick run that lost a pair fails too
	if _, missing := Compare(base, now[:1], DefaultThreshold); len(missing) != 1 || !strings.Contains(missing[0], "Load/events=10") {
		t.Errorf("a pair missing from the quick run: %v", missing)
	}
}

func TestCostDirection(t *testing.T) {
	if Cost("msgs/s", 1000, 3000) != 3 || Cost("ns/op", 3000, 1000) != 3 {
		t.Fatal("a benchmark three times slower than its anchor must have ratio 3 in both kinds of unit")
	}
}

// TestRatioIsTheMedianOfTheRounds: when the machine's load changes between
// rounds, each round's ratio is taken first (bench and anchor ran close
// together), not the ratio of medians from different rounds.
func TestRatioIsTheMedianOfTheRounds(t *testing.T) {
	if got, worst := ratio("ns/op", []float64{2, 40, 30}, []float64{1, 20, 100}); got != 2 || worst != 2 {
		t.Errorf("per-round ratios 2, 2, 0.3: median %g and worst %g, want 2 and 2", got, worst)
	}
	if got, worst := ratio("ns/op", []float64{2, 40, 300}, []float64{1, 20, 100}); got != 2 || worst != 3 {
		t.Errorf("per-round ratios 2, 2, 3: median %g and worst %g, want 2 and 3", got, worst)
	}
	if got, _ := ratio("ns/op", []float64{2, 40}, []float64{1, 20, 100}); got != 21.0/20 {
		t.Errorf("rounds that do not pair up: %g, want the ratio of the medians", got)
	}
}
