package benchtable_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/benchtable"
)

const run = `date: 2026-11-25
machine: 2 cores, 23 GiB RAM
goos: linux
goarch: amd64
pkg: example/backpressure
cpu: Some CPU @ 2.00GHz
BenchmarkStrategy/bounded-2         	    1000	   1500000 ns/op	    123456 msgs/s	     512 B/op	       3 allocs/op
BenchmarkStrategy/bounded-2         	    1000	   1700000 ns/op	    133456 msgs/s	     512 B/op	       3 allocs/op
BenchmarkStrategy/bounded-2         	    1000	   1600000 ns/op	    113456 msgs/s	     512 B/op	       3 allocs/op
BenchmarkStrategy/jetstream-2       	      10	 150000000 ns/op	      4321 msgs/s	 1024 B/op	      30 allocs/op
PASS
`

func TestRenderMedianTableWithMachine(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, benchtable.Render(strings.NewReader(run), "benchmarks/results/x.txt", &out))
	want := "_Measured on date: `2026-11-25`, machine: `2 cores, 23 GiB RAM`, goos: `linux`, goarch: `amd64`, cpu: `Some CPU @ 2.00GHz`. Median of 3 run(s)._\n\n" +
		"| benchmark | ns/op | msgs/s | B/op | allocs/op |\n" +
		"|---|--:|--:|--:|--:|\n" +
		"| `Strategy/bounded` | 1,600,000 | 123,456 | 512 | 3 |\n" +
		"| `Strategy/jetstream` | 150,000,000 | 4,321 | 1,024 | 30 |\n" +
		"\n_Source: `benchmarks/results/x.txt`, written by `make bench`._\n"
	assert.Equal(t, want, out.String())
}

func TestRenderRejectsARunWithoutResults(t *testing.T) {
	err := benchtable.Render(strings.NewReader("PASS\n"), "x.txt", &bytes.Buffer{})
	assert.ErrorContains(t, err, "no benchmark results")
}
