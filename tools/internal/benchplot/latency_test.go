package benchplot

import (
	"bytes"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"

	"github.com/patternlab/patternlab/tools/internal/benchtable"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// Three rounds of a benchmark and its anchor, with p50 and p99; a span
// under 20x, so the axis is linear. The rounds are not in order, and
// other units (ns/op, sagas/s, p50-ms/step) are in the file too.
const latencyResults = `BenchmarkSaga/orchestration-2 1 1 ns/op 16 p50-ms 4.6 p50-ms/step 42 p99-ms 9 sagas/s
BenchmarkAnchorFloor/activities-3-2 1 1 ns/op 7 p50-ms 21 p99-ms
BenchmarkSaga/orchestration-2 1 1 ns/op 10 p50-ms 3.3 p50-ms/step 30 p99-ms 9 sagas/s
BenchmarkAnchorFloor/activities-3-2 1 1 ns/op 5 p50-ms 15 p99-ms
BenchmarkSaga/orchestration-2 1 1 ns/op 12 p50-ms 4 p50-ms/step 36 p99-ms 9 sagas/s
BenchmarkAnchorFloor/activities-3-2 1 1 ns/op 6 p50-ms 18 p99-ms
BenchmarkOther-2 1 1 ns/op 1 p50-ms
`

func latencySpec() repo.BenchLatency {
	return repo.BenchLatency{Name: "latency", Title: "t", Units: []string{"p99-ms", "p50-ms"}, // sorted by the chart
		Benches: []repo.BenchLatencyGroup{{Bench: "Saga/orchestration", Anchors: []string{"AnchorFloor/activities-3"}}}}
}

func parse(t *testing.T, results string) *benchtable.Run {
	t.Helper()
	run, err := benchtable.Parse(strings.NewReader(results), "t.txt")
	require.NoError(t, err)
	return run
}

func TestPercentileUnit(t *testing.T) {
	for unit, want := range map[string]struct {
		pct      float64
		quantity string
	}{
		"p50-ms": {50, "ms"}, "p99-ms": {99, "ms"}, "p50-ms/step": {50, "ms/step"},
		"ack-p99-ms": {99, "ack-ms"}, "s-first-p50": {50, "s-first"}, "p99.9-ms": {99.9, "ms"},
	} {
		pct, q, ok := PercentileUnit(unit)
		assert.True(t, ok, unit)
		assert.Equal(t, want.pct, pct, unit)
		assert.Equal(t, want.quantity, q, unit)
	}
	for _, unit := range []string{"ns/op", "max/p50", "msgs/s", "p-ms", "p100-ms", "sp50-ms", "p0-ms"} {
		_, _, ok := PercentileUnit(unit)
		assert.False(t, ok, "%s is not a percentile unit", unit)
	}
}

func TestLatencyRowsReadEveryRoundOfEachPercentile(t *testing.T) {
	rows, err := LatencyRows(latencySpec(), parse(t, latencyResults))
	require.NoError(t, err)
	require.Len(t, rows, 2)

	assert.Equal(t, "Saga/orchestration", rows[0].Bench)
	assert.False(t, rows[0].Anchor)
	assert.Equal(t, "AnchorFloor/activities-3", rows[1].Bench)
	assert.True(t, rows[1].Anchor, "the anchor comes below its benchmark")

	want := [][]Spread{
		{{Unit: "p50-ms", Percentile: 50, Rounds: []float64{16, 10, 12}, Min: 10, Median: 12, Max: 16},
			{Unit: "p99-ms", Percentile: 99, Rounds: []float64{42, 30, 36}, Min: 30, Median: 36, Max: 42}},
		{{Unit: "p50-ms", Percentile: 50, Rounds: []float64{7, 5, 6}, Min: 5, Median: 6, Max: 7},
			{Unit: "p99-ms", Percentile: 99, Rounds: []float64{21, 15, 18}, Min: 15, Median: 18, Max: 21}},
	}
	for i := range rows {
		assert.Equal(t, want[i], rows[i].Spreads, rows[i].Bench)
	}
}

func TestLatencyRowsNameWhatTheDeclarationGetsWrong(t *testing.T) {
	run := parse(t, latencyResults)
	for name, c := range map[string]struct {
		edit func(*repo.BenchLatency)
		want string
	}{
		"unknown bench":           {func(l *repo.BenchLatency) { l.Benches[0].Bench = "Saga/nothing" }, "Saga/nothing is not in the results"},
		"unknown anchor":          {func(l *repo.BenchLatency) { l.Benches[0].Anchors = []string{"AnchorGone"} }, "AnchorGone is not in the results"},
		"unit not in the results": {func(l *repo.BenchLatency) { l.Units = []string{"p50-ms", "p99-ms", "p99.9-ms"} }, "Saga/orchestration has no p99.9-ms in the results"},
		"not a percentile":        {func(l *repo.BenchLatency) { l.Units = []string{"p50-ms", "ns/op"} }, `unit "ns/op" is not a percentile`},
		"two quantities":          {func(l *repo.BenchLatency) { l.Units = []string{"p50-ms", "p50-ms/step"} }, "different quantities"},
		"a percentile left out":   {func(l *repo.BenchLatency) { l.Units = []string{"p50-ms"} }, "Saga/orchestration has p99-ms in the results, which units does not list"},
		"twice":                   {func(l *repo.BenchLatency) { l.Units = []string{"p50-ms", "p99-ms", "p50-ms"} }, `unit "p50-ms" listed twice`},
		"no units":                {func(l *repo.BenchLatency) { l.Units = nil }, "no units"},
		"no benches":              {func(l *repo.BenchLatency) { l.Benches = nil }, "no benches"},
	} {
		l := latencySpec()
		l.Benches = slices.Clone(l.Benches)
		c.edit(&l)
		_, err := LatencyRows(l, run)
		assert.ErrorContains(t, err, c.want, name)
		_, err = Latency("m: t", l, run)
		assert.ErrorContains(t, err, c.want, "Latency draws nothing for a bad declaration: "+name)
	}
}

// drawing is what a latency chart drew: the centres of the rings (one per
// round), of the round glyphs (the p50 medians), the horizontal strokes
// (whiskers and bars) and the texts, in points on the page.
type drawing struct {
	rings, discs []vg.Point
	strokes      [][2]vg.Point
	texts        map[string]vg.Point
}

func record(t *testing.T, spec repo.BenchLatency, run *benchtable.Run) drawing {
	t.Helper()
	p, h, err := latencyPlot("m: t", spec, run)
	require.NoError(t, err)
	c := &recorder.Canvas{}
	p.Draw(draw.NewCanvas(c, latencyWidth, h))
	d := drawing{texts: map[string]vg.Point{}}
	for _, a := range c.Actions {
		switch a := a.(type) {
		case *recorder.FillString:
			d.texts[a.String] = a.Point
		case *recorder.Stroke:
			if len(a.Path) == 2 && a.Path[0].Type == vg.MoveComp && a.Path[1].Type == vg.LineComp && a.Path[0].Pos.Y == a.Path[1].Pos.Y {
				d.strokes = append(d.strokes, [2]vg.Point{a.Path[0].Pos, a.Path[1].Pos})
			}
			if arc, ok := arcOf(a.Path); ok && arc.Radius == vg.Points(2) {
				d.rings = append(d.rings, arc.Pos)
			}
		case *recorder.Fill:
			if arc, ok := arcOf(a.Path); ok && arc.Radius == vg.Points(3.5) {
				d.discs = append(d.discs, arc.Pos)
			}
		}
	}
	return d
}

// rows are the x of the rings by their y: the chart's rows (the legend's
// single ring left out).
func rows(d drawing) map[vg.Length][]vg.Length {
	out := map[vg.Length][]vg.Length{}
	for _, r := range d.rings {
		out[r.Y] = append(out[r.Y], r.X)
	}
	for y, xs := range out {
		if len(xs) == 1 {
			delete(out, y)
		}
	}
	return out
}

func arcOf(path vg.Path) (vg.PathComp, bool) {
	for _, c := range path {
		if c.Type == vg.ArcComp {
			return c, true
		}
	}
	return vg.PathComp{}, false
}

// TestLatencyDrawsTheValuesOfTheResults reads the drawing back: each round
// is a ring at its value on one linear axis, the p50 glyph sits on the
// median round, each whisker runs from the lowest round to the highest, the
// benchmark's row is above its anchor's, and the labels give the medians.
func TestLatencyDrawsTheValuesOfTheResults(t *testing.T) {
	run := parse(t, latencyResults)
	d := record(t, latencySpec(), run)

	rowY := rows(d)
	require.Len(t, rowY, 2, "rings on two rows")
	var ys []vg.Length
	for y := range rowY {
		ys = append(ys, y)
	}
	sort.Slice(ys, func(i, j int) bool { return ys[i] > ys[j] }) // top first (y grows upwards)
	top, bottom := rowY[ys[0]], rowY[ys[1]]
	slices.Sort(top)
	slices.Sort(bottom)
	require.Len(t, top, 6)
	require.Len(t, bottom, 6)

	// one affine map from value to x, fitted on two rings of the top row
	scale := (top[5] - top[0]) / (42 - 10)
	x := func(v float64) vg.Length { return top[0] + scale*vg.Length(v-10) }
	near := func(a, b vg.Length) bool { return math.Abs(float64(a-b)) < 0.01 }
	for i, v := range []float64{10, 12, 16, 30, 36, 42} {
		assert.True(t, near(top[i], x(v)), "benchmark ring %d at %v, want %v (value %g)", i, top[i], x(v), v)
	}
	for i, v := range []float64{5, 6, 7, 15, 18, 21} {
		assert.True(t, near(bottom[i], x(v)), "anchor ring %d at %v, want %v (value %g)", i, bottom[i], x(v), v)
	}
	assert.Contains(t, d.texts, "0", "the linear axis starts at 0")

	// the p50 glyphs: one per row, on the median round (and one in the legend)
	var discs []vg.Point
	for _, disc := range d.discs {
		if rowY[disc.Y] != nil {
			discs = append(discs, disc)
		}
	}
	require.Len(t, discs, 2)
	for _, disc := range discs {
		want := x(12)
		if disc.Y == ys[1] {
			want = x(6)
		}
		assert.True(t, near(disc.X, want), "p50 glyph at %v, want %v", disc.X, want)
	}

	// whiskers from the lowest round to the highest, and the p50-p99 bars
	for _, w := range []struct {
		y        vg.Length
		from, to float64
	}{{ys[0], 10, 16}, {ys[0], 30, 42}, {ys[1], 5, 7}, {ys[1], 15, 21}, {ys[0], 12, 36}, {ys[1], 6, 18}} {
		found := false
		for _, s := range d.strokes {
			found = found || (near(s[0].Y, w.y) && near(s[0].X, x(w.from)) && near(s[1].X, x(w.to)))
		}
		assert.True(t, found, "no stroke from %g to %g on row y=%v", w.from, w.to, w.y)
	}

	// the row labels: the benchmark above its anchor; the medians as text
	bench, anchor := d.texts["Saga/orchestration"], d.texts["anchor: Floor/activities-3"]
	assert.Greater(t, bench.Y, anchor.Y, "the benchmark's label is above its anchor's")
	assert.Contains(t, d.texts, "p50 12 · p99 36")
	assert.Contains(t, d.texts, "p50 6 · p99 18")
	assert.Contains(t, d.texts, "p50-ms, p99-ms", "the axis names the units, without log scale under 20x")
	assert.Contains(t, d.texts, "p50: median of the 3 rounds")
	assert.Contains(t, d.texts, "p99: median of the 3 rounds")

	uneven := latencyResults + "BenchmarkAnchorFloor/activities-3-2 1 1 ns/op 6 p50-ms 18 p99-ms\n"
	assert.Contains(t, record(t, latencySpec(), parse(t, uneven)).texts, "p50: median of its rounds",
		"the anchor ran 4 rounds, the benchmark 3: the legend cannot name one count")
}

func TestLatencyGoesLogarithmicPastATwentyfoldSpan(t *testing.T) {
	wide := strings.ReplaceAll(latencyResults, " 42 p99-ms", " 420 p99-ms")
	d := record(t, latencySpec(), parse(t, wide))
	assert.Contains(t, d.texts, "p50-ms, p99-ms (log scale)")
	rings := rows(d)
	bottom := vg.Length(math.Inf(1))
	for y := range rings {
		bottom = min(bottom, y)
	}
	xs := rings[bottom] // the anchor: 5, 6, 7, 15, 18, 21
	slices.Sort(xs)
	require.Len(t, xs, 6)
	got := float64((xs[1] - xs[0]) / (xs[2] - xs[1]))
	assert.InDelta(t, math.Log(6.0/5)/math.Log(7.0/6), got, 0.001, "5, 6 and 7 spaced on a log scale")
	got = float64((xs[5] - xs[3]) / (xs[2] - xs[0]))
	assert.InDelta(t, math.Log(21.0/15)/math.Log(7.0/5), got, 0.001, "15 to 21 against 5 to 7 on a log scale")
}

// TestLatencyChartChangesWithTheSpreadOfTheRounds: a round that moves only
// the highest value (the median stays) changes the chart, and the same
// results draw the same bytes (make check could not call it fresh
// otherwise).
func TestLatencyChartChangesWithTheSpreadOfTheRounds(t *testing.T) {
	a, err := Latency("m: t", latencySpec(), parse(t, latencyResults))
	require.NoError(t, err)
	b, err := Latency("m: t", latencySpec(), parse(t, latencyResults))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(a, b), "two drawings of the same results differ")
	assert.Contains(t, string(a), "<svg")

	slower := strings.Replace(latencyResults, " 16 p50-ms", " 19 p50-ms", 1) // the highest p50 round only
	c, err := Latency("m: t", latencySpec(), parse(t, slower))
	require.NoError(t, err)
	assert.False(t, bytes.Equal(a, c), "a round's value moved and the chart did not: it draws the medians only")
}
