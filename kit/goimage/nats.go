package goimage

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// NATSServer is nats-server's main package, built at the version the
// calling module requires.
const NATSServer = "github.com/nats-io/nats-server/v2"

// NATS runs nats-server with JetStream (its store in /data) in a container of
// the image Build makes of NATSServer, reachable as host "nats" on each Docker
// network named, and removed when the test ends. It returns the client URL
// from the host. Call RequireDocker first.
func NATS(t testing.TB, ctx context.Context, networks ...string) string {
	t.Helper()
	image, err := Build(ctx, NATSServer)
	require.NoError(t, err, "build the nats-server image")
	var aliases map[string][]string
	for _, n := range networks {
		if aliases == nil {
			aliases = map[string][]string{}
		}
		aliases[n] = []string{"nats"}
	}
	c, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:          image,
			Cmd:            []string{"-js", "-sd", "/data"},
			ExposedPorts:   []string{"4222/tcp"},
			Networks:       networks,
			NetworkAliases: aliases,
			WaitingFor:     wait.ForLog("Server is ready").WithStartupTimeout(30 * time.Second),
		},
		Started: true,
	})
	testcontainers.CleanupContainer(t, c)
	require.NoError(t, err, "start the nats-server container")
	url, err := c.PortEndpoint(ctx, "4222/tcp", "nats")
	require.NoError(t, err)
	return url
}
