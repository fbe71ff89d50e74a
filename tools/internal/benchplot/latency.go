package benchplot

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/patternlab/patternlab/tools/internal/benchtable"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// percentileToken is the percentile in a unit's name: "p99" in "p99-ms",
// "ack-p99-ms" and "s-first-p99" (not in "max/p50", a ratio of two).
var percentileToken = regexp.MustCompile(`(^|-)p(\d+(?:\.\d+)?)(-|$)`)

// PercentileUnit splits a percentile unit into its percentile and the
// quantity it is a percentile of ("ack-p99-ms": 99, "ack-ms";
// "p50-ms/step": 50, "ms/step"); ok is false for a unit that names none.
func PercentileUnit(unit string) (pct float64, quantity string, ok bool) {
	m := percentileToken.FindStringSubmatchIndex(unit)
	if m == nil {
		return 0, "", false
	}
	pct, err := strconv.ParseFloat(unit[m[4]:m[5]], 64)
	if err != nil || pct <= 0 || pct >= 100 {
		return 0, "", false
	}
	before, after := unit[:m[2]], unit[m[7]:]
	quantity = before + after
	if before != "" && after != "" {
		quantity = before + "-" + after
	}
	return pct, quantity, true
}

// Spread is one percentile of one benchmark over the rounds of a run.
type Spread struct {
	Unit             string    // "p99-ms"
	Percentile       float64   // 99
	Rounds           []float64 // one value per round, in the results' order
	Min, Median, Max float64
}

// LatencyRow is one line of a latency chart: a benchmark, or an anchor of
// the benchmark above it, with one spread per unit, lowest percentile first.
type LatencyRow struct {
	Bench   string
	Anchor  bool
	Spreads []Spread
}

// LatencyRows reads what a latency chart draws from a run, top row first:
// each declared benchmark followed by its anchors. A unit that is not a
// percentile, units of different quantities, a benchmark missing from the
// run or without a unit, and a percentile of the same quantity that the run
// has for a row and the declaration leaves out are errors naming them.
func LatencyRows(spec repo.BenchLatency, run *benchtable.Run) ([]LatencyRow, error) {
	units, err := percentileUnits(spec.Units)
	if err != nil {
		return nil, err
	}
	if len(spec.Benches) == 0 {
		return nil, errors.New("no benches")
	}
	_, quantity, _ := PercentileUnit(units[0])
	var rows []LatencyRow
	var errs []error
	add := func(name string, anchor bool) {
		rw := run.Row(name)
		if rw == nil {
			errs = append(errs, fmt.Errorf("%s is not in the results", name))
			return
		}
		row := LatencyRow{Bench: strings.TrimPrefix(name, "Benchmark"), Anchor: anchor}
		for _, u := range units {
			vs := rw.Values[u]
			if len(vs) == 0 {
				errs = append(errs, fmt.Errorf("%s has no %s in the results", name, u))
				continue
			}
			pct, _, _ := PercentileUnit(u)
			row.Spreads = append(row.Spreads, Spread{Unit: u, Percentile: pct, Rounds: slices.Clone(vs),
				Min: slices.Min(vs), Median: benchtable.Median(vs), Max: slices.Max(vs)})
		}
		for _, u := range run.Units { // in the file's order, so the errors are too
			if _, q, ok := PercentileUnit(u); ok && q == quantity && len(rw.Values[u]) > 0 && !slices.Contains(units, u) {
				errs = append(errs, fmt.Errorf("%s has %s in the results, which units does not list", name, u))
			}
		}
		rows = append(rows, row)
	}
	for _, g := range spec.Benches {
		add(g.Bench, false)
		for _, a := range g.Anchors {
			add(a, true)
		}
	}
	return rows, errors.Join(errs...)
}

// percentileUnits checks the declared units (percentiles of one quantity,
// each once) and sorts them by percentile.
func percentileUnits(declared []string) ([]string, error) {
	if len(declared) == 0 {
		return nil, errors.New("no units")
	}
	units := slices.Clone(declared)
	var quantity string
	for i, u := range units {
		_, q, ok := PercentileUnit(u)
		if !ok {
			return nil, fmt.Errorf("unit %q is not a percentile (p50-ms, ack-p99-ms, s-first-p50...)", u)
		}
		if i == 0 {
			quantity = q
		} else if q != quantity {
			return nil, fmt.Errorf("units %q and %q are percentiles of different quantities (%s, %s): one chart, one axis", units[0], u, quantity, q)
		}
		if slices.Index(units, u) != i {
			return nil, fmt.Errorf("unit %q listed twice", u)
		}
	}
	sort.SliceStable(units, func(i, j int) bool {
		pi, _, _ := PercentileUnit(units[i])
		pj, _, _ := PercentileUnit(units[j])
		return pi < pj
	})
	return units, nil
}

// glyphs tell the percentiles apart beside their colours (palette).
var glyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{}, draw.TriangleGlyph{}}

// Latency draws a latency chart: one row per benchmark and, below it, its
// anchors; for each percentile the median of the rounds (a glyph), every
// round (small rings) and the spread from the lowest round to the highest
// (a whisker), with a bar joining the lowest percentile's median to the
// highest's. The axis is logarithmic when the values span more than 20x.
func Latency(title string, spec repo.BenchLatency, run *benchtable.Run) ([]byte, error) {
	p, h, err := latencyPlot(title, spec, run)
	if err != nil {
		return nil, err
	}
	return svgWithMargin(p, latencyWidth, h, vg.Points(8))
}

const latencyWidth = 7.5 * vg.Inch

// latencyPlot is the plot Latency draws, and its height.
func latencyPlot(title string, spec repo.BenchLatency, run *benchtable.Run) (*plot.Plot, vg.Length, error) {
	rows, err := LatencyRows(spec, run)
	if err != nil {
		return nil, 0, err
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	rounds := "the " + strconv.Itoa(len(rows[0].Spreads[0].Rounds)) + " rounds"
	for _, rw := range rows {
		for _, s := range rw.Spreads {
			lo, hi = min(lo, s.Min), max(hi, s.Max)
			if len(s.Rounds) != len(rows[0].Spreads[0].Rounds) {
				rounds = "its rounds" // the rows ran a different number of rounds
			}
		}
	}
	logScale := lo > 0 && hi/lo > 20
	p := plot.New()
	p.Title.Text = title
	units := make([]string, len(rows[0].Spreads))
	for i, s := range rows[0].Spreads {
		units[i] = s.Unit
	}
	// the explanation is in the legend: gonum centres an axis label at the
	// linear middle of the range, far right on a log scale
	p.X.Label.Text = strings.Join(units, ", ")
	if logScale {
		p.X.Label.Text += " (log scale)"
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
		p.X.Min, p.X.Max = lo/1.6, hi*1.6 // the values at the right have glyph boxes: plot pads for them
	} else {
		p.X.Min, p.X.Max = 0, hi*1.1
	}

	ys, ticks := rowPositions(rows)
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	legend := float64(len(units)+2)*0.45 + 0.2 // rows of room above the top for the legend
	p.Y.Min, p.Y.Max = -0.6, ys[0]+0.6+legend
	p.Legend.Top, p.Legend.Left = true, false

	for i, rw := range rows {
		y := ys[i]
		first, last := rw.Spreads[0], rw.Spreads[len(rw.Spreads)-1]
		if len(rw.Spreads) > 1 {
			bar, err := plotter.NewLine(plotter.XYs{{X: first.Median, Y: y}, {X: last.Median, Y: y}})
			if err != nil {
				return nil, 0, err
			}
			bar.Color, bar.Width = rowColor(rw.Anchor), vg.Points(5)
			p.Add(bar)
		}
		var values []string
		for j, s := range rw.Spreads {
			c := palette[j%len(palette)]
			whisker, err := plotter.NewXErrorBars(spreadBar{s: s, y: y})
			if err != nil {
				return nil, 0, err
			}
			whisker.Color, whisker.Width, whisker.CapWidth = c, vg.Points(1), vg.Points(7)
			each := make(plotter.XYs, len(s.Rounds))
			for k, v := range s.Rounds {
				each[k] = plotter.XY{X: v, Y: y}
			}
			ring, err := plotter.NewScatter(each)
			if err != nil {
				return nil, 0, err
			}
			ring.Color, ring.Radius, ring.Shape = faded(c), vg.Points(2), draw.RingGlyph{}
			mark, err := plotter.NewScatter(plotter.XYs{{X: s.Median, Y: y}})
			if err != nil {
				return nil, 0, err
			}
			mark.Color, mark.Radius, mark.Shape = c, vg.Points(3.5), glyphs[j%len(glyphs)]
			p.Add(whisker, ring, mark)
			if i == 0 {
				p.Legend.Add(percentileName(s)+": median of "+rounds, mark)
				if j == len(rw.Spreads)-1 {
					p.Legend.Add("each round", roundThumb())
					p.Legend.Add("lowest to highest round", whiskerThumb())
				}
			}
			values = append(values, percentileName(s)+" "+benchtable.Format(s.Median))
		}
		label, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: maxRound(rw), Y: y}}, Labels: []string{strings.Join(values, " · ")}})
		if err != nil {
			return nil, 0, err
		}
		label.Offset = vg.Point{X: vg.Points(6), Y: -vg.Points(3)}
		p.Add(label)
	}
	return p, vg.Length(1.1+0.32*(ys[0]+legend)) * vg.Inch, nil
}

// rowPositions places the rows top first, with half a row between groups
// (a benchmark and its anchors), and labels them.
func rowPositions(rows []LatencyRow) ([]float64, []plot.Tick) {
	ys := make([]float64, len(rows))
	y := 0.0
	for i := len(rows) - 1; i >= 0; i-- {
		ys[i] = y
		y++
		if i > 0 && !rows[i].Anchor {
			y += 0.5 // a new group starts above
		}
	}
	ticks := make([]plot.Tick, len(rows))
	for i, rw := range rows {
		label := rw.Bench
		if rw.Anchor {
			label = "anchor: " + strings.TrimPrefix(rw.Bench, "Anchor")
		}
		ticks[i] = plot.Tick{Value: ys[i], Label: label}
	}
	return ys, ticks
}

// legendInk draws the legend's pictures of a round and a whisker, which
// every percentile has in its own colour.
var legendInk = color.RGBA{R: 0x42, G: 0x42, B: 0x42, A: 0xff}

// whiskerThumb is the legend's picture of a whisker (an error bar has none).
func whiskerThumb() plot.Thumbnailer {
	return &plotter.Line{LineStyle: draw.LineStyle{Color: legendInk, Width: vg.Points(1)}}
}

func roundThumb() plot.Thumbnailer {
	return &plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: legendInk, Radius: vg.Points(2), Shape: draw.RingGlyph{}}}
}

func percentileName(s Spread) string {
	return "p" + strconv.FormatFloat(s.Percentile, 'f', -1, 64)
}

func maxRound(rw LatencyRow) float64 {
	m := 0.0
	for _, s := range rw.Spreads {
		m = max(m, s.Max)
	}
	return m
}

func rowColor(anchor bool) color.Color {
	if anchor {
		return color.RGBA{R: 0xe0, G: 0xe0, B: 0xe0, A: 0xff}
	}
	return color.RGBA{R: 0xc5, G: 0xca, B: 0xe9, A: 0xff} // a light indigo
}

func faded(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x99}
}

// spreadBar is one spread as an error bar: at its median, from its lowest
// round to its highest.
type spreadBar struct {
	s Spread
	y float64
}

func (b spreadBar) Len() int                      { return 1 }
func (b spreadBar) XY(int) (float64, float64)     { return b.s.Median, b.y }
func (b spreadBar) XError(int) (float64, float64) { return b.s.Median - b.s.Min, b.s.Max - b.s.Median }
