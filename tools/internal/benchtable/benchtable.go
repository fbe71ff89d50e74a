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
var machineKeys = []string{"date", "commit", "machine", "goos", "goarch", "cpu", "go"}

type row struct {
	name   string
	values map[string][]float64 // unit -> one value per run
}

// Render reads a benchmark run and writes its Markdown table: one row per
// benchmark (median of the runs), one column per unit, in the order the units
// first appear.
func Render(in io.Reader, source string, out io.Writer) error {
	r := benchfmt.NewReader(in, source)
	var rows []*row
	byName := map[string]*row{}
	var units []string
	config := map[string]string{}
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue // syntax errors and unit metadata: not part of the table
		}
		for _, c := range res.Config {
			if c.File {
				config[c.Key] = string(c.Value)
			}
		}
		name := string(res.Name.Full())
		name = stripProcs(name)
		rw := byName[name]
		if rw == nil {
			rw = &row{name: name, values: map[string][]float64{}}
			byName[name] = rw
			rows = append(rows, rw)
		}
		for _, v := range res.Values {
			unit, value := v.Unit, v.Value
			if unit == "sec/op" { // benchfmt normalizes ns/op; show what go test printed
				unit, value = "ns/op", value*1e9
			}
			if !slices.Contains(units, unit) {
				units = append(units, unit)
			}
			rw.values[unit] = append(rw.values[unit], value)
		}
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s: no benchmark results", source)
	}
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
			if vs := rw.values[u]; len(vs) > 0 {
				cells[i] = format(median(vs))
			}
		}
		fmt.Fprintf(out, "| `%s` | %s |\n", strings.TrimPrefix(rw.name, "Benchmark"), strings.Join(cells, " | "))
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

func runs(rows []*row) int {
	n := 0
	for _, rw := range rows {
		for _, vs := range rw.values {
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

// format prints a value with three significant digits, grouping thousands.
func format(v float64) string {
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
