package workflow_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/kit/temporalfloor"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// pipelineShape is the Temporal pipeline's critical path in
// BenchmarkPipeline/temporal: a batch runs its partitions (child
// workflows) at once, each its stages one activity after another.
const (
	pipelinePartitions = 4
	pipelineStages     = 4 // collect, clean, analyze, store
)

// BenchmarkAnchorTemporalFloor is the anchor of BenchmarkPipeline/temporal:
// the same shape, as many floor workflows in flight as the batch has
// partitions, each of as many activities as a partition has stages, every
// activity returning at once, on a dev server started the same way. Both
// report p50-ms/step: a batch's (or a floor round's) time over the stages on
// its critical path. What the pipeline costs beyond it is its child
// workflows, its payloads and its stage code.
func BenchmarkAnchorTemporalFloor(b *testing.B) {
	name := fmt.Sprintf("activities-%dx%d", pipelineStages, pipelinePartitions)
	b.Run(name, func(b *testing.B) {
		if temporaldev.Available() != nil {
			b.Skip("skipped: TEMPORAL_CLI is not set; make bench builds and exports it")
		}
		if len(pipeline.Stages) != pipelineStages {
			b.Fatalf("a partition runs %d stages, the anchor %d", len(pipeline.Stages), pipelineStages)
		}
		ctx := context.Background()
		tg, err := temporaldev.FromEnv(ctx, temporaldev.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer tg.Close()
		c, err := tg.Dial(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		queue := "floor-" + name
		w := worker.New(c, queue, worker.Options{StickyScheduleToStartTimeout: time.Second})
		temporalfloor.Register(w)
		if err := w.Start(); err != nil {
			b.Fatal(err)
		}
		defer w.Stop()
		round := func(i int) time.Duration {
			r, err := temporalfloor.RunLoad(ctx, c, temporalfloor.Load{Queue: queue, IDPrefix: fmt.Sprintf("%s-%d", name, i),
				Workflows: pipelinePartitions, InFlight: pipelinePartitions, Steps: pipelineStages})
			if err != nil {
				b.Fatal(err)
			}
			return r.Elapsed
		}
		round(0) // untimed, as BenchmarkPipeline/temporal's first batch
		var rounds []time.Duration
		for i := 1; b.Loop(); i++ {
			rounds = append(rounds, round(i))
		}
		reportPerStage(b, rounds)
	})
}

// reportPerStage reports the median round (a batch, or a floor round of the
// batch's shape) per stage on its critical path.
func reportPerStage(b *testing.B, rounds []time.Duration) {
	r := temporalfloor.Sorted(temporalfloor.Round{Latencies: rounds})
	b.ReportMetric(float64(r.Percentile(0.5))/float64(time.Millisecond)/pipelineStages, "p50-ms/step")
}
