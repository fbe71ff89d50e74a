package edgeiot

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// A hub with RestrictEdges keeps its KV buckets and streams out of the
// edges' reach: the edge's owner and a guest at the edge (a device's
// permissions) try to rewrite a key of a registry on the hub and to purge
// its stream, through the edge's leafnode link; neither reaches the hub,
// while the link still carries an uplink. Without RestrictEdges the link
// logs in as the hub's owner and both succeed.
func TestARestrictedEdgeCannotWriteTheHubsKV(t *testing.T) {
	ctx := testContext(t)
	lim := DefaultEdgeLimits()
	hub, hubJS := startHub(t, ctx, HubConfig{Protect: true, RestrictEdges: true}, lim)
	kv, err := hubJS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "registry"})
	require.NoError(t, err)
	_, err = kv.Put(ctx, "plant-b", []byte("the real registration"))
	require.NoError(t, err)

	site := startSite(t, ctx, hub, SiteConfig{Name: "plant-a", Domain: "plant-a", Limits: lim, Protect: true})

	owner, err := natsembed.Connect(site.Edge.ClientURL(), "edge-owner")
	require.NoError(t, err)
	t.Cleanup(owner.Close)
	guest, err := natsembed.Connect(site.Edge.GuestURL(), "edge-guest")
	require.NoError(t, err)
	t.Cleanup(guest.Close)

	// The link carries an uplink (and how long a round trip takes: the
	// denied requests below get many of those to be answered).
	var rtt time.Duration
	require.NoError(t, poll(ctx, func() (bool, error) {
		start := time.Now()
		m, err := owner.Request("uplink.plant-a.telemetry.d1", []byte("{}"), time.Second)
		rtt = time.Since(start)
		return err == nil && len(m.Data) > 0, nil
	}))
	wait := max(time.Second, 50*rtt)

	for _, nc := range []*nats.Conn{owner, guest} {
		_, err := nc.Request("$KV.registry.plant-b", []byte("a forged registration"), wait)
		assert.Error(t, err, "%s rewrote the hub's registry", nc.Opts.Name)
		_, err = nc.Request("$JS.hub.API.STREAM.PURGE.KV_registry", nil, wait)
		assert.Error(t, err, "%s purged the hub's registry", nc.Opts.Name)
	}
	e, err := kv.Get(ctx, "plant-b")
	require.NoError(t, err)
	assert.Equal(t, "the real registration", string(e.Value()))
	assert.Equal(t, uint64(1), e.Revision())
}
