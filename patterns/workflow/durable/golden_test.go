package durable_test

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
)

var update = flag.Bool("update", false, "rewrite the golden store in testdata/golden")

// The durable engine runs in the SDK's test environment: the real workflows
// and activities, no server, with time skipping. Its store equals its
// golden file, the same text as the other engines' golden files.
func TestGolden(t *testing.T) {
	f := pipelinetest.New(t, pipelinetest.GoldenSeed, pipelinetest.GoldenRecords)
	snap := runInTestEnv(t, f, 3, nil)
	f.RequireInvariant(t, snap)
	pipelinetest.Golden(t, filepath.Join("testdata", "golden", "temporal.golden"), snap.Dump(), *update)
}
