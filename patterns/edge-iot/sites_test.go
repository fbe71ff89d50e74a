package edgeiot

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// Two sites on one hub: what one edge's devices publish stays at that edge.
// Without EdgeLocal on the leafnode links, plant b's MQTT landing stream
// captured the payloads plant a's devices published (both capture
// $MQTT.msgs.>, through the hub both link to), plant b's gateway accepted
// them and its forwarder sent them to the hub a second time, as plant b's;
// the hub's dedupe by reading ID hid it (found by the manufacturing case,
// whose per-plant archives held both plants' readings).
func TestASitesSubjectsStayAtItsEdge(t *testing.T) {
	ctx := testContext(t)
	hub, err := StartHub(HubConfig{Protect: true})
	require.NoError(t, err)
	t.Cleanup(hub.Shutdown)
	hubConn, err := natsembed.Connect(hub.ClientURL(), "hub-app")
	require.NoError(t, err)
	t.Cleanup(hubConn.Close)
	hubJS, err := jetstream.New(hubConn)
	require.NoError(t, err)
	lim := DefaultEdgeLimits()
	require.NoError(t, SetupHubStreams(ctx, hubJS, lim.DuplicateWindow))
	var sites []*Site
	for _, name := range []string{"plant-a", "plant-b"} {
		site, err := StartSite(ctx, hub, SiteConfig{Name: name, Domain: name, Limits: lim, Protect: true})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, site.Close()) })
		require.NoError(t, site.WaitLinked(ctx))
		sites = append(sites, site)
	}
	fleet, err := ConnectFleet(ctx, sites[0].Edge.MQTTURL(), FleetConfig{Devices: 1, Prefix: "a",
		Sensor: SensorConfig{Seed: 1, LimitMC: 90_000, IntervalMS: 100, EpochMS: 1_767_225_600_000}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, fleet.Close()) })
	published, err := fleet.Publish(ctx, 5)
	require.NoError(t, err)
	for _, s := range sites {
		require.NoError(t, s.WaitIngested(ctx))
	}
	for _, s := range sites {
		require.NoError(t, s.WaitDrained(ctx))
	}
	require.NoError(t, poll(ctx, func() (bool, error) {
		n, err := streamMsgs(ctx, hubJS, StreamHubTelemetry)
		return n >= 1, err
	}))
	st, err := hubJS.Stream(ctx, StreamHubTelemetry)
	require.NoError(t, err)
	info, err := st.Info(ctx, jetstream.WithSubjectFilter("uplink.>"))
	require.NoError(t, err)
	assert.Equal(t, map[string]uint64{"uplink.plant-a.telemetry.a-01": uint64(len(published))}, info.State.Subjects,
		"plant a's readings reach the hub from plant a only")
	assert.Zero(t, sites[1].Gateway.Ledger().Stats(), "plant b's gateway saw none of plant a's readings")
}
