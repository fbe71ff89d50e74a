package workflow_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/workflow"
)

var update = flag.Bool("update", false, "rewrite the golden files and the saved Temporal histories in testdata/")

// fixture is one test's input: a generated export on disk, the stage
// configuration (one poison reading) and the result any correct run stores.
type fixture struct {
	dir    string
	source string
	data   workflow.Dataset
	stage  workflow.StageConfig
	want   workflow.Snapshot
}

func newFixture(t testing.TB, seed uint64, records int) fixture {
	t.Helper()
	f := fixture{dir: t.TempDir(), data: workflow.Generate(seed, records)}
	f.source = filepath.Join(f.dir, "input.csv")
	require.NoError(t, f.data.WriteFile(f.source))
	f.stage = workflow.StageConfig{MaxAttempts: 3, PoisonKeys: f.data.PoisonKeys(1)}
	f.want = workflow.Expected(f.data.Lines, f.stage)
	return f
}

func (f fixture) sinkPath(name string) string { return filepath.Join(f.dir, name+".db") }

// requireInvariant checks the demo's invariant on one store: it holds the
// expected result and every line is stored once or rejected with a reason.
func (f fixture) requireInvariant(t testing.TB, snap workflow.Snapshot) {
	t.Helper()
	assert.Empty(t, workflow.Audit(f.data.Lines, snap), "every line stored once or rejected with a reason")
	assert.Empty(t, workflow.Diff(f.want, snap), "the store holds the expected result")
}

func ctxFor(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// natsFor starts an embedded NATS server for the test and returns its URL and
// a JetStream handle.
func natsFor(t testing.TB) (string, jetstream.JetStream) {
	t.Helper()
	srv := labtest.NATS(t)
	return srv.ClientURL(), labtest.JetStream(t, srv.ClientURL())
}

// runMessageDriven runs the fixture through the message-driven pipeline and
// returns what the store worker stored. between runs after the lines are
// published, before waiting for the pipeline to drain.
func runMessageDriven(t testing.TB, ctx context.Context, f fixture, m workflow.MessageDriven, between func(*workflow.MessageRun)) workflow.Snapshot {
	t.Helper()
	mr, err := m.Start(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Stop() })
	n, err := mr.Publish(ctx, t.Name(), f.source)
	require.NoError(t, err)
	require.Equal(t, len(f.data.Lines), n)
	if between != nil {
		between(mr)
	}
	require.NoError(t, mr.Wait(ctx))
	require.NoError(t, mr.Stop())
	snap, err := workflow.ReadSnapshot(ctx, m.Sink)
	require.NoError(t, err)
	return snap
}

// golden compares got with testdata/golden/<name>.golden, or rewrites it
// with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file: run go test -run %s -update", t.Name())
	assert.Equal(t, string(want), got, "store content differs from %s (rerun with -update if the change is intended)", path)
}
