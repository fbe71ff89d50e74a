// Package benchplot draws the benchmark charts of the site from the
// committed results (gonum/plot, SVG): the cost ratios of a module's
// benchmarks to their anchors, its scaling curves and its latency
// distributions. Nothing in a chart is typed by hand; make check regenerates
// each and fails when one is stale.
package benchplot

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/patternlab/patternlab/tools/internal/benchratio"
	"github.com/patternlab/patternlab/tools/internal/benchtable"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

var (
	barColor    = color.RGBA{R: 0x3f, G: 0x51, B: 0xb5, A: 0xff} // the site's indigo
	anchorColor = color.RGBA{R: 0x9e, G: 0x9e, B: 0x9e, A: 0xff}
	palette     = []color.Color{barColor, color.RGBA{R: 0xe6, G: 0x51, B: 0x00, A: 0xff}, color.RGBA{R: 0x2e, G: 0x7d, B: 0x32, A: 0xff}}
)

// Ratios draws one horizontal bar per ratio, on a log scale, with a line at
// 1 (the anchor's own cost).
func Ratios(title string, ratios []benchratio.Ratio) ([]byte, error) {
	if len(ratios) == 0 {
		return nil, fmt.Errorf("%s: no ratio to draw", title)
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "cost ratio to the anchor (1 = the anchor's speed; log scale)"
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	// bars are drawn from a floor below every ratio, since a log scale has no 0
	lo, hi := 1.0, 1.0
	for _, r := range ratios {
		lo, hi = min(lo, r.Value), max(hi, r.Value)
	}
	floor := math.Pow(10, math.Floor(math.Log10(lo)))
	labels := make([]string, len(ratios))
	for i, r := range ratios {
		j := len(ratios) - 1 - i // the first ratio on top
		labels[j] = fmt.Sprintf("%s / %s", r.Bench, strings.TrimPrefix(r.Anchor, "Anchor"))
		y := float64(j)
		bar, err := plotter.NewPolygon(plotter.XYs{{X: floor, Y: y - 0.3}, {X: r.Value, Y: y - 0.3}, {X: r.Value, Y: y + 0.3}, {X: floor, Y: y + 0.3}})
		if err != nil {
			return nil, err
		}
		bar.Color, bar.LineStyle.Width = barColor, 0
		p.Add(bar)
		p.Add(valueLabel(r.Value, y))
	}
	p.NominalY(labels...)
	p.X.Min, p.X.Max = floor, math.Pow(10, math.Ceil(math.Log10(hi*1.5)))
	anchor, err := plotter.NewLine(plotter.XYs{{X: 1, Y: -0.5}, {X: 1, Y: float64(len(ratios)) - 0.5}})
	if err != nil {
		return nil, err
	}
	anchor.Color, anchor.Dashes = anchorColor, []vg.Length{vg.Points(3), vg.Points(3)}
	p.Add(anchor)
	return svg(p, 7*vg.Inch, vg.Length(1.2+0.35*float64(len(ratios)))*vg.Inch)
}

func valueLabel(v, y float64) plot.Plotter {
	l, _ := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: v, Y: y}}, Labels: []string{benchratio.FormatRatio(v)}})
	return l
}

// Curve draws a unit over a parameter, one line per series, both axes on a
// log scale. The points of a series are its sub-benchmarks
// "<bench>/<param>=<n>".
func Curve(title string, c repo.BenchCurve, run *benchtable.Run) ([]byte, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = c.Param+" (log scale)", c.Unit+" (log scale)"
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	p.Legend.Top, p.Legend.Left = false, false // bottom right: the lines rise to the right
	for i, s := range c.Series {
		pts, err := points(run, s.Bench, c.Param, c.Unit)
		if err != nil {
			return nil, fmt.Errorf("%s, %s: %w", title, s.Label, err)
		}
		line, marks, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, err
		}
		line.Color, marks.Color = palette[i%len(palette)], palette[i%len(palette)]
		p.Add(line, marks)
		p.Legend.Add(s.Label, line, marks)
	}
	return svg(p, 7*vg.Inch, 4*vg.Inch)
}

func points(run *benchtable.Run, bench, param, unit string) (plotter.XYs, error) {
	prefix := strings.TrimPrefix(bench, "Benchmark") + "/" + param + "="
	var pts plotter.XYs
	for _, rw := range run.Rows {
		if !strings.HasPrefix(rw.Name, prefix) {
			continue
		}
		x, err := strconv.ParseFloat(strings.TrimPrefix(rw.Name, prefix), 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %s is not a number", rw.Name, param)
		}
		if y, ok := rw.Median(unit); ok {
			pts = append(pts, plotter.XY{X: x, Y: y})
		}
	}
	if len(pts) < 2 {
		return nil, fmt.Errorf("%s: %d points in %s, want at least 2", bench, len(pts), unit)
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
	return pts, nil
}

func svg(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	return svgWithMargin(p, w, h, 0)
}

// svgWithMargin draws p inside a margin: gonum measures the row labels
// with its own copy of the font, and a browser's may be a little wider.
func svgWithMargin(p *plot.Plot, w, h, margin vg.Length) ([]byte, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.Crop(draw.New(c), margin, -margin, 0, 0))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
