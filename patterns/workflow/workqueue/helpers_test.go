package workqueue_test

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
	"github.com/patternlab/patternlab/patterns/workflow/workqueue"
)

// natsFor starts an embedded NATS server for the test and returns its URL
// and a JetStream handle.
func natsFor(t testing.TB) (string, jetstream.JetStream) {
	t.Helper()
	srv := labtest.NATS(t)
	return srv.ClientURL(), labtest.JetStream(t, srv.ClientURL())
}

// pipelineFor is the pipeline over the fixture on that server, its
// consumers as goroutines.
func pipelineFor(f pipelinetest.Fixture, url string, js jetstream.JetStream) workqueue.Pipeline {
	return workqueue.Pipeline{URL: url, JS: js, Launch: workqueue.Goroutines(), Stage: f.Stage, Sink: f.SinkPath("nats")}
}

// runPipeline runs the fixture through the pipeline and returns what the
// store consumer stored. between runs after the lines are published, before
// waiting for the pipeline to drain.
func runPipeline(t testing.TB, ctx context.Context, f pipelinetest.Fixture, m workqueue.Pipeline, between func(*workqueue.Run)) pipeline.Snapshot {
	t.Helper()
	mr, err := m.Start(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Stop() })
	n, err := mr.Publish(ctx, t.Name(), f.Source)
	require.NoError(t, err)
	require.Equal(t, len(f.Data.Lines), n)
	if between != nil {
		between(mr)
	}
	require.NoError(t, mr.Wait(ctx))
	require.NoError(t, mr.Stop())
	snap, err := pipeline.ReadSnapshot(ctx, m.Sink)
	require.NoError(t, err)
	return snap
}
