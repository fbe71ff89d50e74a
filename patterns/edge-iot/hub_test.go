package edgeiot

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// startHub starts a hub for this test (shut down when it ends), connects
// to it as the hub's application and sets its streams up for lim: the
// ground the multi-site tests stand on.
func startHub(t *testing.T, ctx context.Context, cfg HubConfig, lim EdgeLimits) (*Hub, jetstream.JetStream) {
	t.Helper()
	hub, err := StartHub(cfg)
	require.NoError(t, err)
	t.Cleanup(hub.Shutdown)
	hubConn, err := natsembed.Connect(hub.ClientURL(), "hub-app")
	require.NoError(t, err)
	t.Cleanup(hubConn.Close)
	hubJS, err := jetstream.New(hubConn)
	require.NoError(t, err)
	require.NoError(t, SetupHubStreams(ctx, hubJS, lim.DuplicateWindow))
	return hub, hubJS
}

// startSite starts an edge site on hub, closed when the test ends, and
// waits until its leafnode link is up.
func startSite(t *testing.T, ctx context.Context, hub *Hub, cfg SiteConfig) *Site {
	t.Helper()
	site, err := StartSite(ctx, hub, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, site.Close()) })
	require.NoError(t, site.WaitLinked(ctx))
	return site
}
