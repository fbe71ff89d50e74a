//go:build integration

package goimage_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/patternlab/patternlab/kit/goimage"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// The image of nats-server built from the module cache starts and accepts a
// client: the recipe every integration test of the lab relies on.
func TestNATSServerImageRuns(t *testing.T) {
	goimage.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	image, err := goimage.Build(ctx, "github.com/nats-io/nats-server/v2")
	require.NoError(t, err)

	c, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:        image,
			Cmd:          []string{"-js", "-sd", "/data"},
			ExposedPorts: []string{"4222/tcp"},
			WaitingFor:   wait.ForLog("Server is ready").WithStartupTimeout(30 * time.Second),
		},
		Started: true,
	})
	testcontainers.CleanupContainer(t, c)
	require.NoError(t, err)

	endpoint, err := c.PortEndpoint(ctx, "4222/tcp", "nats")
	require.NoError(t, err)
	nc, err := natsembed.Connect(endpoint, "probe")
	require.NoError(t, err)
	defer nc.Close()
	require.NoError(t, nc.Flush())
}
