package edgeiot

import (
	"context"
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
	lim := DefaultEdgeLimits()
	hub, hubJS := startHub(t, ctx, HubConfig{Protect: true}, lim)
	var sites []*Site
	for _, name := range []string{"plant-a", "plant-b"} {
		site := startSite(t, ctx, hub, SiteConfig{Name: name, Domain: name, Limits: lim, Protect: true})
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
	// Wait for every reading at the hub, not for the first: the forwarder
	// sends what the edge holds when it asks, so the first reading can
	// arrive alone, before the others (a wait for one failed 1 run in 2
	// beside a CPU burner once the forwarder stopped waiting for full
	// batches).
	require.NoError(t, poll(ctx, func() (bool, error) {
		n, err := streamMsgs(ctx, hubJS, StreamHubTelemetry)
		return n >= uint64(len(published)), err
	}))
	st, err := hubJS.Stream(ctx, StreamHubTelemetry)
	require.NoError(t, err)
	info, err := st.Info(ctx, jetstream.WithSubjectFilter("uplink.>"))
	require.NoError(t, err)
	assert.Equal(t, map[string]uint64{"uplink.plant-a.telemetry.a-01": uint64(len(published))}, info.State.Subjects,
		"plant a's readings reach the hub from plant a only")
	assert.Zero(t, sites[1].Gateway.Ledger().Stats(), "plant b's gateway saw none of plant a's readings")
}

// Two sites with the same streams and consumers: one plant's forwarder
// acknowledging its messages must not acknowledge the other plant's. Plant
// b's forwarder here never acknowledges (its hub confirmations are
// "lost"), so plant b must keep every reading; before $JS.ACK.> was in
// EdgeLocal, plant a's acks for sequences 1..n reached plant b through the
// hub and deleted its readings 1..n (found by the manufacturing case: an
// edge restart and a link cut lost readings the hub never had).
//
// Fault: loss | target: plant b's hub confirmations (its forwarder never acknowledges), with plant a on the same hub | invariant: plant b keeps every reading: another site's acks delete nothing of it
func TestOneSitesAcksDoNotDeleteAnothersReadings(t *testing.T) {
	ctx := testContext(t)
	lim := DefaultEdgeLimits()
	hub, hubJS := startHub(t, ctx, HubConfig{Protect: true}, lim)
	neverAck := ForwarderConfig{AfterHubStored: func(context.Context, string, jetstream.Msg) error { return ErrAckLost }}
	var sites []*Site
	for i, name := range []string{"plant-a", "plant-b"} {
		cfg := SiteConfig{Name: name, Domain: name, Limits: lim, Protect: true}
		if i == 1 {
			cfg.Forwarder = neverAck
		}
		site := startSite(t, ctx, hub, cfg)
		sites = append(sites, site)
	}
	const n = 20
	for _, site := range sites {
		nc, err := natsembed.Connect(site.Edge.ClientURL(), site.Edge.Domain+"-app")
		require.NoError(t, err)
		t.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		require.NoError(t, err)
		for seq := uint64(1); seq <= n; seq++ {
			r := Reading{Device: site.Edge.Domain, Seq: seq, TS: int64(seq), TempMC: 20_000}
			_, err := js.Publish(ctx, telemetrySubject(r.Device), r.Encode(), jetstream.WithMsgID(r.ID()))
			require.NoError(t, err)
		}
	}
	require.NoError(t, sites[0].WaitDrained(ctx), "plant a forwards and acknowledges its readings")
	require.NoError(t, poll(ctx, func() (bool, error) {
		n, err := subjectMsgs(ctx, hubJS, "uplink.plant-b.>")
		return n >= 20, err
	}), "plant b's readings reach the hub (its acknowledgements do not come back)")
	held, err := sites[1].Held(ctx, StreamTelemetry)
	require.NoError(t, err)
	assert.EqualValues(t, n, held, "plant b still holds every reading it never acknowledged")
}

func subjectMsgs(ctx context.Context, js jetstream.JetStream, filter string) (uint64, error) {
	st, err := js.Stream(ctx, StreamHubTelemetry)
	if err != nil {
		return 0, err
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, c := range info.State.Subjects {
		total += c
	}
	return total, nil
}
