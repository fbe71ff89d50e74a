package flakehunt

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const passing = `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p"}
`

const failing = `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:9: 64 readings lost\n"}
{"Action":"fail","Package":"p","Test":"TestA"}
{"Action":"output","Package":"q","Output":"panic: boom\n"}
{"Action":"fail","Package":"q"}
{"Action":"fail","Package":"p"}
`

func TestReportCountsFailuresPerTestAndKeepsTheFirst(t *testing.T) {
	var r Report
	for _, run := range []string{passing, failing, passing, failing} {
		parsed, err := Parse(strings.NewReader(run))
		require.NoError(t, err)
		r.Add(parsed)
	}
	f := r.Failures()
	require.Len(t, f, 2)
	assert.Equal(t, Tally{Test: "p TestA", Runs: 4, Failures: 2, FirstRun: 2,
		FirstFailure: "=== RUN   TestA\n    a_test.go:9: 64 readings lost\n"}, f[0])
	assert.Equal(t, "q (package)", f[1].Test, "a package that fails outside any test is reported")
	assert.Equal(t, "panic: boom\n", f[1].FirstFailure)

	var out bytes.Buffer
	r.Write(&out, "patterns/x")
	assert.Contains(t, out.String(), "| p TestA | 4 | 2 | 2 |")
	assert.Contains(t, out.String(), "64 readings lost")
}

func TestBuildErrorsAreAFailure(t *testing.T) {
	run, err := Parse(strings.NewReader("# p\n./a.go:3:1: syntax error\n" + `{"Action":"fail","Package":"p"}` + "\n"))
	require.NoError(t, err)
	assert.Len(t, run.Failed, 1)
	var r Report
	r.Add(run)
	var out bytes.Buffer
	r.Write(&out, "m")
	assert.Contains(t, out.String(), "failed at least once")
}

func TestNoFailures(t *testing.T) {
	var r Report
	run, _ := Parse(strings.NewReader(passing))
	r.Add(run)
	var out bytes.Buffer
	r.Write(&out, "m")
	assert.Equal(t, "flake-hunt m: 1 runs, no test failed\n", out.String())
}
