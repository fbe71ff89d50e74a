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

const latencyPattern = `name: m
bench:
  ratios:
    - {bench: Work/real, anchor: AnchorFloor/bare, unit: msgs/s}
  latency:
    - name: latency
      title: the work beside its floor
      units: [p50-ms, p99-ms]
      benches:
        - {bench: Work/real, anchors: [AnchorFloor/bare]}
`

const latencyResults = `machine: 2 cores
BenchmarkWork/real-2 1 1 ns/op 1000 msgs/s 3 p50-ms 9 p99-ms
BenchmarkAnchorFloor/bare-2 1 1 ns/op 4000 msgs/s 1 p50-ms 2 p99-ms
`

const latencyChapter = "# m\n\n## Benchmarks\n\n![m: ratios](../assets/bench/m-ratios.svg)\n"

// TestCheckFindsABadLatencyDeclaration: make check names a latency chart's
// unknown benchmark or unit, and a chart its chapter does not show.
func TestCheckFindsABadLatencyDeclaration(t *testing.T) {
	r := testrepo.New(t)
	testrepo.Write(t, r.Root, "patterns/m/go.mod", "module m\n")
	testrepo.Write(t, r.Root, "patterns/m/pattern.yaml", latencyPattern)
	testrepo.Write(t, r.Root, "benchmarks/results/m.txt", latencyResults)
	testrepo.Write(t, r.Root, "docs/patterns/m.md", latencyChapter)
	if err := Write(r); err != nil {
		t.Fatal(err)
	}
	bad := strings.Join(Findings(r), "\n")
	if !strings.Contains(bad, "docs/patterns/m.md: does not show docs/assets/bench/m-latency.svg") {
		t.Errorf("a chart the chapter does not show was not found:\n%s", bad)
	}
	testrepo.Write(t, r.Root, "docs/patterns/m.md", latencyChapter+"\n![m: latency](../assets/bench/m-latency.svg)\n")
	if bad := Findings(r); len(bad) > 0 {
		t.Fatalf("a good declaration, written and shown: %v", bad)
	}
	svg, _ := r.Read(ChartDir + "/m-latency.svg")
	if !strings.Contains(string(svg), "p50 3 · p99 9") || !strings.Contains(string(svg), "anchor: Floor/bare") {
		t.Errorf("the chart lacks the benchmark's medians or its anchor's row")
	}

	for _, c := range []struct{ from, to, want string }{
		{"{bench: Work/real, anchors: [AnchorFloor/bare]}", "{bench: Work/imagined, anchors: [AnchorFloor/bare]}",
			"patterns/m/pattern.yaml: bench.latency latency: Work/imagined is not in the results"},
		{"units: [p50-ms, p99-ms]", "units: [p50-ms, p99-ms, p99.9-ms]", "Work/real has no p99.9-ms in the results"},
		{"units: [p50-ms, p99-ms]", "units: [p50-ms, msgs/s]", `unit "msgs/s" is not a percentile`},
		{"units: [p50-ms, p99-ms]", "units: [p50-ms]", "Work/real has p99-ms in the results, which units does not list"},
		{"    - name: latency\n", "    - name: ratios\n", "m-ratios.svg: two charts of the bench section have this name"},
		{"      units:", "      unit:", "field unit not found"},
	} {
		testrepo.Write(t, r.Root, "patterns/m/pattern.yaml", strings.Replace(latencyPattern, c.from, c.to, 1))
		if bad := strings.Join(Findings(r), "\n"); !strings.Contains(bad, c.want) {
			t.Errorf("%s -> %s: findings lack %q:\n%s", c.from, c.to, c.want, bad)
		}
	}
}
