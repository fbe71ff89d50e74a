package federatedlearning_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	benchResults  = "../../benchmarks/results/federated-learning.txt"
	accuracyChart = "../../diagrams/federated-learning/accuracy.mmd"
)

// The chapter's accuracy chart is drawn from the committed benchmark run,
// never typed in: this test redraws it from benchmarks/results and fails
// when the committed diagram differs (UPDATE_CHART=1 rewrites it). The
// accuracy numbers are seeded, so a new `make bench` keeps them.
func TestAccuracyChartIsDrawnFromTheCommittedBenchmark(t *testing.T) {
	data, err := os.ReadFile(benchResults)
	require.NoError(t, err)
	want, err := drawAccuracyChart(data)
	require.NoError(t, err)
	if os.Getenv("UPDATE_CHART") == "1" {
		require.NoError(t, os.WriteFile(accuracyChart, want, 0o644))
	}
	got, err := os.ReadFile(accuracyChart)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "redraw it: UPDATE_CHART=1 go test -run TestAccuracyChart ./patterns/federated-learning")
}

// drawAccuracyChart renders the BenchmarkAccuracy lines of a benchmark run
// as a Mermaid xychart: one line per variant, one point per reported round.
// A variant whose values differ between the run's rounds is an error.
func drawAccuracyChart(results []byte) ([]byte, error) {
	type series struct {
		name   string
		values []string
	}
	var lines []series
	var rounds []string
	sc := bufio.NewScanner(bytes.NewReader(results))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkAccuracy/") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkAccuracy/")
		if i := strings.LastIndex(name, "-"); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i] // the -GOMAXPROCS suffix
			}
		}
		s := series{name: name}
		var rs []string
		for i := 2; i+1 < len(f); i += 2 {
			if r, ok := strings.CutPrefix(f[i+1], "acc-r"); ok {
				s.values = append(s.values, f[i])
				rs = append(rs, strings.TrimLeft(r, "0"))
			}
		}
		if rounds == nil {
			rounds = rs
		}
		// make bench runs several rounds: the accuracy is seeded, so each
		// round of a variant reports the same values; one line per variant
		if i := slices.IndexFunc(lines, func(l series) bool { return l.name == s.name }); i >= 0 {
			if !slices.Equal(lines[i].values, s.values) {
				return nil, fmt.Errorf("BenchmarkAccuracy/%s differs between rounds: %v and %v", s.name, lines[i].values, s.values)
			}
			continue
		}
		lines = append(lines, s)
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("no BenchmarkAccuracy results")
	}
	var b bytes.Buffer
	b.WriteString("---\nconfig:\n  xyChart:\n    width: 720\n    height: 420\n  themeVariables:\n    xyChart:\n")
	b.WriteString("      plotColorPalette: \"#1f77b4, #2ca02c, #d62728, #9467bd, #ff7f0e\"\n---\n")
	b.WriteString("xychart-beta\n  title \"Held-out accuracy by round (seed 1, from benchmarks/results)\"\n")
	fmt.Fprintf(&b, "  x-axis \"round\" [%s]\n", strings.Join(rounds, ", "))
	b.WriteString("  y-axis \"accuracy\" 0.2 --> 1\n")
	for _, s := range lines {
		fmt.Fprintf(&b, "  line \"%s\" [%s]\n", s.name, strings.Join(s.values, ", "))
	}
	return b.Bytes(), nil
}
