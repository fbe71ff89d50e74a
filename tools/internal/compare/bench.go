package compare

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ResultsPath is a module's committed benchmark run.
func ResultsPath(module string) string { return "benchmarks/results/" + module + ".txt" }

// Results are the benchmark lines of one committed run: benchmark name
// (without "Benchmark" and the GOMAXPROCS suffix) -> the units it reports.
type Results struct {
	units map[string]map[string]bool
}

// Units returns the units a benchmark reports, as go test printed them.
func (r *Results) Units(benchmark string) (map[string]bool, bool) {
	u, ok := r.units[benchmark]
	return u, ok
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// ParseResults reads the benchmark lines of a `go test -bench` run:
// "BenchmarkName-N <iterations> <value> <unit> [<value> <unit>]...". It keeps
// units as printed (benchfmt would turn ns/op into sec/op and MB/s into
// B/s), because the data files and the site name them as printed; the hook,
// tools/mkdocs/compare.py, reads the same lines the same way.
func ParseResults(data []byte, source string) (*Results, error) {
	res := &Results{units: map[string]map[string]bool{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1024*1024), 1024*1024)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := procsSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		if res.units[name] == nil {
			res.units[name] = map[string]bool{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			if _, err := strconv.ParseFloat(f[i], 64); err == nil {
				res.units[name][f[i+1]] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if len(res.units) == 0 {
		return res, fmt.Errorf("%s: no benchmark results", source)
	}
	return res, nil
}
