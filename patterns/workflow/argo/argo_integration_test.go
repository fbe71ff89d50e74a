//go:build integration

package argo_test

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
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
)

// The manifest's steps, run as Argo would run them: each pod a container
// of the cmd/stage image with the workflow's volume at /data, the pods of a
// fanned-out step at once. The store they leave is the expected one.
func TestIntegrationArgoStepsRunAsContainers(t *testing.T) {
	goimage.RequireDocker(t)
	ctx := pipelinetest.Ctx(t, 10*time.Minute)
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
	snap, err := pipeline.ReadSnapshot(ctx, filepath.Join(data, "store.db"))
	require.NoError(t, err)
	f.RequireInvariant(t, snap)
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
