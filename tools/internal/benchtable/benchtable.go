// Package benchtable turns a committed `go test -bench` run
// (benchmarks/results/<name>.txt) into the Markdown table a chapter includes
// (benchmarks/results/<name>.md), so every number on the site comes from a
// run that is in the repository, with the machine it ran on.
package benchtable

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// Machine keys written by `make bench` and shown above the table.
var machineKeys = []string{"date", "commit", "machine", "loadavg", "goos", "goarch", "cpu", "go"}

// Row is one benchmark of a run: its name without the Benchmark prefix and
// the -GOMAXPROCS suffix ("X/y") and one value per run for each unit.
type Row struct {
	Name   string
	Values map[string][]float64 // unit -> one value per run
}

// Median is the median of the row's values in unit, and whether it has any.
func (rw *Row) Median(unit string) (float64, bool) {
	vs := rw.Values[unit]
	if len(vs) == 0 {
		return 0, false
	}
	return median(vs), true
}

// Median is the median of vs (0 for none).
func Median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	return median(vs)
}

// Run is a parsed benchmark run: its rows in the order they first appear,
// the units in the order they first appear, and the file's configuration
// (date, commit, machine...).
type Run struct {
	Rows   []*Row
	Units  []string
	Config map[string]string
	byName map[string]*Row
}

// Row returns the named row ("FlatOut/jetstream-pull" or with its
// Benchmark prefix), or nil.
func (run *Run) Row(name string) *Row {
	return run.byName[strings.TrimPrefix(name, "Benchmark")]
}

// Parse reads a `go test -bench` run in the standard benchmark format.
func Parse(in io.Reader, source string) (*Run, error) {
	r := benchfmt.NewReader(in, source)
	run := &Run{Config: map[string]string{}, byName: map[string]*Row{}}
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue // syntax errors and unit metadata: not part of the table
		}
		for _, c := range res.Config {
			if c.File {
				run.Config[c.Key] = string(c.Value)
			}
		}
		name := strings.TrimPrefix(stripProcs(string(res.Name.Full())), "Benchmark")
		rw := run.byName[name]
		if rw == nil {
			rw = &Row{Name: name, Values: map[string][]float64{}}
			run.byName[name] = rw
			run.Rows = append(run.Rows, rw)
		}
		for _, v := range res.Values {
			unit, value := v.Unit, v.Value
			if unit == "sec/op" { // benchfmt normalizes ns/op; show what go test printed
				unit, value = "ns/op", value*1e9
			}
			if !slices.Contains(run.Units, unit) {
				run.Units = append(run.Units, unit)
			}
			rw.Values[unit] = append(rw.Values[unit], value)
		}
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if len(run.Rows) == 0 {
		return nil, fmt.Errorf("%s: no benchmark results", source)
	}
	return run, nil
}

// Render reads a benchmark run and writes its Markdown table: one row per
// benchmark (median of the runs), one column per unit, in the order the units
// first appear.
func Render(in io.Reader, source string, out io.Writer) error {
	run, err := Parse(in, source)
	if err != nil {
		return err
	}
	rows, units, config := run.Rows, run.Units, run.Config
	var meta []string
	for _, k := range machineKeys {
		if v, ok := config[k]; ok {
			meta = append(meta, fmt.Sprintf("%s: `%s`", k, v))
		}
	}
	if len(meta) > 0 {
		fmt.Fprintf(out, "_Measured on %s. Median of %d run(s)._\n\n", strings.Join(meta, ", "), runs(rows))
	}
	fmt.Fprintf(out, "| benchmark | %s |\n", strings.Join(units, " | "))
	fmt.Fprintf(out, "|---|%s\n", strings.Repeat("--:|", len(units)))
	for _, rw := range rows {
		cells := make([]string, len(units))
		for i, u := range units {
			if m, ok := rw.Median(u); ok {
				cells[i] = Format(m)
			}
		}
		fmt.Fprintf(out, "| `%s` | %s |\n", strings.TrimPrefix(rw.Name, "Benchmark"), strings.Join(cells, " | "))
	}
	fmt.Fprintf(out, "\n_Source: `%s`, written by `make bench`._\n", source)
	return nil
}

// stripProcs drops the -GOMAXPROCS suffix ("BenchmarkX/y-2" -> "BenchmarkX/y").
func stripProcs(name string) string {
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			return name[:i]
		}
	}
	return name
}

func runs(rows []*Row) int {
	n := 0
	for _, rw := range rows {
		for _, vs := range rw.Values {
			n = max(n, len(vs))
		}
	}
	return n
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Format prints a value with three significant digits, grouping thousands.
func Format(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 1000 || v <= -1000:
		return group(strconv.FormatFloat(v, 'f', 0, 64))
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

func group(digits string) string {
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
