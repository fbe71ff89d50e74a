package workflows_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/workflow"
)

// Histories recorded from a real run (with a pause and a resume) are replayed
// against today's workflow code. A change that would make a running batch
// take a different path on replay, a non-deterministic change, fails here
// before it can strand batches in production. Record again with -update
// (needs TEMPORAL_CLI) when a change is meant to be incompatible, and version
// it with workflow.GetVersion instead if batches may be running.
var histories = []string{"batch.json", "partition-0.json"}

func TestReplaySavedHistories(t *testing.T) {
	if *update {
		recordHistories(t)
	}
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflow(workflow.BatchWorkflow)
	replayer.RegisterWorkflow(workflow.PartitionWorkflow)
	for _, name := range histories {
		t.Run(name, func(t *testing.T) {
			err := replayer.ReplayWorkflowHistoryFromJSONFile(log.NewStructuredLogger(slog.New(slog.DiscardHandler)), filepath.Join("testdata", "history", name))
			require.NoError(t, err, "the workflow code no longer replays %s", name)
		})
	}
}

// recordHistories runs a small batch on a dev server, pausing it at once and
// resuming it when every partition holds, and saves the histories.
func recordHistories(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	f := newFixture(t, 41, 120)
	ctx := ctxFor(t, time.Minute)
	tg, err := temporaldev.FromEnv(ctx, temporaldev.Options{})
	require.NoError(t, err)
	defer tg.Close()
	c, err := tg.Dial(ctx)
	require.NoError(t, err)
	defer c.Close()
	w, err := workflow.Goroutines(ctx, workflow.WorkerSpec{Name: "recorder", Engine: workflow.EngineTemporal,
		Config: f.stage, Sink: f.sinkPath("temporal"), TemporalAddress: tg.Address, TemporalNamespace: tg.Namespace})
	require.NoError(t, err)
	defer w.Stop() //nolint:errcheck

	in := workflow.BatchInput{BatchID: "sensor-batch-recorded", Source: f.source, Lines: len(f.data.Lines), Partitions: 2, HeartbeatTimeout: 2 * time.Second}
	run, err := workflow.StartBatch(ctx, c, in)
	require.NoError(t, err)
	require.NoError(t, workflow.Control(ctx, c, in.BatchID, workflow.CommandPause))
	require.Eventually(t, func() bool {
		for p := range in.Partitions {
			st, err := workflow.PartitionState(ctx, c, in.BatchID, p)
			if err != nil || !st.Held {
				return false
			}
		}
		return true
	}, 30*time.Second, 20*time.Millisecond, "every partition holds")
	require.NoError(t, workflow.Control(ctx, c, in.BatchID, workflow.CommandResume))
	require.NoError(t, run.Get(ctx, nil))

	save(t, ctx, c, in.BatchID, "batch.json")
	save(t, ctx, c, workflow.ChildID(in.BatchID, 0), "partition-0.json")
}

func save(t *testing.T, ctx context.Context, c client.Client, id, name string) {
	t.Helper()
	hist := &historypb.History{}
	it := c.GetWorkflowHistory(ctx, id, "", false, 0)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		hist.Events = append(hist.Events, e)
	}
	data, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
	require.NoError(t, err)
	path := filepath.Join("testdata", "history", name)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o644))
}
