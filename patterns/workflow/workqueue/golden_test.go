package workqueue_test

import (
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
)

var update = flag.Bool("update", false, "rewrite the golden store in testdata/golden")

// The store this engine leaves equals its golden file, which is the same
// text as the other engines' golden files.
func TestGolden(t *testing.T) {
	f := pipelinetest.New(t, pipelinetest.GoldenSeed, pipelinetest.GoldenRecords)
	ctx := pipelinetest.Ctx(t, time.Minute)
	url, js := natsFor(t)
	snap := runPipeline(t, ctx, f, pipelineFor(f, url, js), nil)
	f.RequireInvariant(t, snap)
	pipelinetest.Golden(t, filepath.Join("testdata", "golden", "nats.golden"), snap.Dump(), *update)
}
