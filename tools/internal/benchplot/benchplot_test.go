package benchplot

import (
	"bytes"
	"strings"
	"testing"

	"github.com/patternlab/patternlab/tools/internal/benchratio"
	"github.com/patternlab/patternlab/tools/internal/benchtable"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

func TestRatiosDrawsEachPairAndIsReproducible(t *testing.T) {
	rs := []benchratio.Ratio{
		{Module: "m", BenchRatio: repo.BenchRatio{Bench: "FlatOut/jetstream-pull", Anchor: "AnchorNATSBench/js-pub-sync", Unit: "msgs/s"}, Value: 4.2},
		{Module: "m", BenchRatio: repo.BenchRatio{Bench: "FlatOut/bounded-channel", Anchor: "AnchorChannel/buffered-256", Unit: "msgs/s"}, Value: 0.8},
	}
	a, err := Ratios("m: ratios", rs)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Ratios("m: ratios", rs)
	if !bytes.Equal(a, b) {
		t.Fatal("two drawings of the same ratios differ: make check could never call a chart fresh")
	}
	svg := string(a)
	for _, want := range []string{"<svg", "FlatOut/jetstream-pull / NATSBench/js-pub-sync", "4.2x", "0.8x"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the chart lacks %q", want)
		}
	}
	if _, err := Ratios("empty", nil); err == nil {
		t.Error("a chart of no ratio was drawn")
	}
}

func TestCurveReadsItsPointsFromTheResults(t *testing.T) {
	run, err := benchtable.Parse(strings.NewReader(`BenchmarkLoad/events=10-2 1 1 ns/op 1.5 ms/load
BenchmarkLoad/events=1000-2 1 1 ns/op 30 ms/load
BenchmarkAnchorMemoryLoad/events=10-2 1 1 ns/op 0.02 ms/load
BenchmarkAnchorMemoryLoad/events=1000-2 1 1 ns/op 3 ms/load
`), "t.txt")
	if err != nil {
		t.Fatal(err)
	}
	c := repo.BenchCurve{Name: "load", Title: "load", Unit: "ms/load", Param: "events", Series: []repo.BenchSeries{
		{Label: "JetStream store", Bench: "Load"}, {Label: "memory store", Bench: "AnchorMemoryLoad"},
	}}
	svg, err := Curve("cqrs: load", c, run)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"JetStream store", "memory store", "ms/load"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("the curve lacks %q", want)
		}
	}
	c.Series = append(c.Series, repo.BenchSeries{Label: "absent", Bench: "Nothing"})
	if _, err := Curve("cqrs: load", c, run); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("a series with no points: %v, want an error naming it", err)
	}
}
