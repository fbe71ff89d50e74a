package workflow_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/workflow/durable"
	"github.com/patternlab/patternlab/patterns/workflow/durable/workflows"
	"github.com/patternlab/patternlab/patterns/workflow/goroutines"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
	"github.com/patternlab/patternlab/patterns/workflow/workqueue"
)

// BenchmarkPipeline runs the same 1000 lines through the three engines, one whole batch per iteration, with the same fan-out of
// analyze (4) and a scoring service that answers at once: what is measured
// is what each way of wiring the stages costs, not the stages. Workers run
// in the benchmark's process (no process start-up is timed); the NATS server
// is embedded; the Temporal dev server is the real one, in its own process.
//
// Metrics: records/s; µs/record, the cost of one record; x-goroutines, that
// cost as a multiple of the in-process pipeline's, measured in the same run:
// what durability costs.
func BenchmarkPipeline(b *testing.B) {
	const records = 1000
	f := pipelinetest.New(b, 61, records)
	f.Stage.PoisonKeys = nil // retries with backoff would dominate the numbers
	var reference float64    // µs per record of the in-process pipeline

	report := func(b *testing.B, name string) {
		perRecord := float64(b.Elapsed().Microseconds()) / float64(b.N*records)
		b.ReportMetric(float64(b.N*records)/b.Elapsed().Seconds(), "records/s")
		b.ReportMetric(perRecord, "µs/record")
		if name == "goroutines" {
			reference = perRecord
		}
		if reference > 0 {
			b.ReportMetric(perRecord/reference, "x-goroutines")
		}
	}

	b.Run("goroutines", func(b *testing.B) {
		sink, err := pipeline.OpenSink(f.SinkPath("bench-goroutines"), pipeline.SinkOptions{})
		require.NoError(b, err)
		defer sink.Close()
		p := goroutines.Pipeline{FanOut: 4, Stage: f.Stage}
		for b.Loop() {
			_, err := p.Run(context.Background(), f.Source, sink)
			require.NoError(b, err)
		}
		report(b, "goroutines")
	})

	b.Run("nats", func(b *testing.B) {
		ctx := context.Background()
		srv := labtest.NATS(b)
		m := workqueue.Pipeline{URL: srv.ClientURL(), JS: labtest.JetStream(b, srv.ClientURL()), Launch: workqueue.Goroutines(),
			Stage: f.Stage, Sink: f.SinkPath("bench-nats"), AnalyzeConsumers: 2, Concurrency: 2}
		mr, err := m.Start(ctx)
		require.NoError(b, err)
		defer mr.Stop() //nolint:errcheck
		i := 0
		for b.Loop() {
			i++
			_, err := mr.Publish(ctx, fmt.Sprintf("bench-%d", i), f.Source)
			require.NoError(b, err)
			require.NoError(b, mr.Wait(ctx))
		}
		report(b, "nats")
	})

	b.Run("temporal", func(b *testing.B) {
		if temporaldev.Available() != nil {
			b.Skip("skipped: TEMPORAL_CLI is not set; make bench builds and exports it")
		}
		ctx := context.Background()
		// The dev server's temporary database is on /dev/shm when there is
		// one: it syncs the file on every write, which on a shared disk
		// measures the disk, not the orchestration. A production cluster's
		// persistence is sized on its own terms; see the chapter.
		tg, err := temporaldev.FromEnv(ctx, temporaldev.Options{})
		require.NoError(b, err)
		defer tg.Close()
		c, err := tg.Dial(ctx)
		require.NoError(b, err)
		defer c.Close()
		w, err := durable.Goroutines()(ctx, "bench", durable.WorkerSpec{Name: "bench", Address: tg.Address, Namespace: tg.Namespace,
			TaskQueue: durable.DefaultTaskQueue, Config: f.Stage, Sink: f.SinkPath("bench-temporal")})
		require.NoError(b, err)
		defer w.Stop() //nolint:errcheck
		batch := func(i int) time.Duration {
			start := time.Now()
			run, err := durable.StartBatch(ctx, c, durable.DefaultTaskQueue, workflows.BatchInput{BatchID: fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i),
				Source: f.Source, Lines: records, Partitions: pipelinePartitions, HeartbeatTimeout: 10 * time.Second})
			require.NoError(b, err)
			require.NoError(b, run.Get(ctx, nil))
			return time.Since(start)
		}
		// An untimed batch first: the first workflows on a new dev server
		// pay for creating its task queues and filling its caches while the
		// worker's pollers start, and a benchmark of one or two batches would
		// measure mostly that.
		batch(0)
		var batches []time.Duration
		for i := 1; b.Loop(); i++ {
			batches = append(batches, batch(i))
		}
		report(b, "temporal")
		reportPerStage(b, batches) // beside BenchmarkAnchorTemporalFloor's
	})
}

// BenchmarkStages prices the stage code every implementation shares, per
// record, to set against the wiring costs above.
func BenchmarkStages(b *testing.B) {
	f := pipelinetest.New(b, 67, 1000)
	b.Run("clean", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			pipeline.CleanLine(f.Data.Lines[i%len(f.Data.Lines)])
		}
	})
	b.Run("store-upsert", func(b *testing.B) {
		sink, err := pipeline.OpenSink(f.SinkPath("bench-stages"), pipeline.SinkOptions{})
		require.NoError(b, err)
		defer sink.Close()
		ctx := context.Background()
		const batch = 128
		results := f.Want.Results[:batch]
		for b.Loop() {
			require.NoError(b, sink.Save(ctx, results, nil))
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch)/1000, "µs/record")
	})
}
