// Package pipelinetest is the test fixture every engine's tests share: a
// generated export on disk, the stage configuration with one poison
// reading, and the store any correct run of it must leave.
package pipelinetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// Fixture is one test's input.
type Fixture struct {
	Dir    string
	Source string // the export, one raw line each
	Data   pipeline.Dataset
	Stage  pipeline.StageConfig // MaxAttempts 3, one poison reading
	Want   pipeline.Snapshot    // what any correct run stores
}

// New writes the dataset of seed and records into a temporary directory.
func New(t testing.TB, seed uint64, records int) Fixture {
	t.Helper()
	f := Fixture{Dir: t.TempDir(), Data: pipeline.Generate(seed, records)}
	f.Source = filepath.Join(f.Dir, "input.csv")
	require.NoError(t, f.Data.WriteFile(f.Source))
	f.Stage = pipeline.StageConfig{MaxAttempts: 3, PoisonKeys: f.Data.PoisonKeys(1)}
	f.Want = pipeline.Expected(f.Data.Lines, f.Stage)
	return f
}

// SinkPath is a database file for name in the fixture's directory.
func (f Fixture) SinkPath(name string) string { return filepath.Join(f.Dir, name+".db") }

// RequireInvariant checks the pipeline's invariant on one store: it holds
// the expected result and every line is stored once or rejected with a
// reason.
func (f Fixture) RequireInvariant(t testing.TB, snap pipeline.Snapshot) {
	t.Helper()
	assert.Empty(t, pipeline.Audit(f.Data.Lines, snap), "every line stored once or rejected with a reason")
	assert.Empty(t, pipeline.Diff(f.Want, snap), "the store holds the expected result")
}

// DuplicateLines counts the lines that repeat a valid earlier line.
func (f Fixture) DuplicateLines() int { return pipeline.Count(f.Data.Lines, f.Want).Duplicates }

// Every engine's golden test runs this input; their golden files are the
// same text.
const GoldenSeed, GoldenRecords = 7, 300

// Golden compares got with the golden file at path, or rewrites it when
// update is set (the tests' -update flag).
func Golden(t *testing.T, path, got string, update bool) {
	t.Helper()
	if update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file: run go test -run %s -update", t.Name())
	assert.Equal(t, string(want), got, "store content differs from %s (rerun with -update if the change is intended)", path)
}

// Ctx is a context that ends after d or with the test.
func Ctx(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
