//go:build integration

package workflow_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/goimage"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/patterns/workflow"
)

// The whole demo with every server outside the test process: nats-server in
// a container (built from the module cache into a FROM-scratch image), the
// Temporal dev server as a process, the workers as processes. A worker is
// killed in each of the two runs and the three stores must be identical.
//
// Fault: kill-9 | target: a worker process, in each of two runs, every server outside the test process | invariant: the goroutines, nats and temporal stores are identical
func TestIntegrationDemoWithServersOutsideTheProcess(t *testing.T) {
	goimage.RequireDocker(t)
	labtest.RequireTemporalCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	url := goimage.NATS(t, ctx)
	t.Setenv(natsembed.EnvURL, url) // the demo and its worker processes use it

	var out bytes.Buffer
	n := narrate.New(&out)
	cfg := workflow.DefaultConfig()
	cfg.Records = 600
	require.NoError(t, workflow.Demo(ctx, n, cfg), out.String())
	require.True(t, n.Held(), out.String())
	require.Contains(t, out.String(), "external NATS at "+url)
}

// Against a shared server where streams of the demo's default names exist
// already, the demo creates streams of its own, leaves those exactly as
// they were, and deletes what it created.
func TestIntegrationLeavesForeignStreamsAlone(t *testing.T) {
	goimage.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	url := goimage.NATS(t, ctx)
	labtest.LeavesForeignStreamsAlone(t, url, workflow.Command,
		[]string{"WF_CLEAN", "WF_ANALYZE", "WF_STORE", "WF_REJECTS", "WF_DLQ"},
		"-engines=goroutines,nats", "-records=300")
}
