//go:build integration

package workflow_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
	"golang.org/x/sync/errgroup"

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
func TestIntegrationDemoWithServersOutsideTheProcess(t *testing.T) {
	goimage.RequireDocker(t)
	labtest.RequireTemporalCLI(t)
	ctx := ctxFor(t, 10*time.Minute)
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

// The Argo manifest's steps, run as Argo would run them: each pod a
// container of the cmd/stage image with the workflow's volume at /data,
// the pods of a fanned-out step at once. The store they leave is the
// expected one.
func TestIntegrationArgoStepsRunAsContainers(t *testing.T) {
	goimage.RequireDocker(t)
	ctx := ctxFor(t, 10*time.Minute)
	image, err := goimage.Build(ctx, "github.com/patternlab/patternlab/patterns/workflow/cmd/stage")
	require.NoError(t, err)
	_, plan := argoPlan(t)
	f, data := argoVolume(t)
	for _, step := range plan {
		g, gctx := errgroup.WithContext(ctx)
		for i, pod := range step.Pods {
			g.Go(func() error { return runPod(gctx, t, image, data, pod, fmt.Sprintf("%s-%d", step.Task, i)) })
		}
		require.NoError(t, g.Wait(), "step %s", step.Task)
	}
	snap, err := workflow.ReadSnapshot(ctx, filepath.Join(data, "store.db"))
	require.NoError(t, err)
	f.requireInvariant(t, snap)
}

func runPod(ctx context.Context, t *testing.T, image, data string, args []string, name string) error {
	c, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:              image,
			Cmd:                args,
			HostConfigModifier: func(hc *container.HostConfig) { hc.Binds = []string{data + ":/data"} },
			WaitingFor:         wait.ForExit().WithExitTimeout(time.Minute),
		},
		Started: true,
	})
	testcontainers.CleanupContainer(t, c)
	if err != nil {
		return fmt.Errorf("pod %s: %w", name, err)
	}
	st, err := c.State(ctx)
	if err != nil {
		return fmt.Errorf("pod %s: %w", name, err)
	}
	if st.ExitCode != 0 {
		logs, _ := c.Logs(ctx)
		var b bytes.Buffer
		if logs != nil {
			_, _ = b.ReadFrom(logs)
		}
		return fmt.Errorf("pod %s exited %d: %s", name, st.ExitCode, b.String())
	}
	return nil
}
