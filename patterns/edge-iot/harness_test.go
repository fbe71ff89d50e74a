package edgeiot

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
)

func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }

// testTimeout bounds a test that runs a plant when go test has no
// -timeout; otherwise the test's own deadline does, less cleanupMargin.
// Every wait inside is on an event: the bound is only for a test that
// would hang, and a loaded machine must not trip it.
const (
	testTimeout   = 10 * time.Minute
	cleanupMargin = 30 * time.Second
)

// plantOptions shape a test plant.
type plantOptions struct {
	devices   int
	buffer    int64
	malformed float64
	anomalies float64
	seed      uint64
	edgeStore string // a directory to keep across restarts; temporary when empty
	forwarder ForwarderConfig
}

func defaultPlant() plantOptions {
	return plantOptions{devices: 4, buffer: 10_000, malformed: 0.1, anomalies: 0.05, seed: 1}
}

// testPlant is a running topology with a fleet, shut down with the test.
type testPlant struct {
	topo  *Topology
	fleet *Fleet
}

func startPlant(t *testing.T, ctx context.Context, o plantOptions) *testPlant {
	t.Helper()
	return startPlantWith(t, ctx, o, nil)
}

// startPlantWith calls started, when not nil, once the topology runs and
// before the machines connect.
func startPlantWith(t *testing.T, ctx context.Context, o plantOptions, started func(*Topology)) *testPlant {
	t.Helper()
	lim := DefaultEdgeLimits()
	lim.Buffer = Limit{MaxMsgs: o.buffer, MaxBytes: o.buffer * 1024}
	lim.InFlight = 64
	topo, err := StartTopology(ctx, TopologyConfig{
		EdgeStoreDir: o.edgeStore,
		Limits:       lim,
		Gateway:      GatewayConfig{WindowMS: 1000, Detector: &Detector{LimitMC: 90_000}, Reflex: true},
		Forwarder:    o.forwarder,
		Protect:      true,
	})
	require.NoError(t, err, "start topology")
	t.Cleanup(func() { require.NoError(t, topo.Close()) })
	if started != nil {
		started(topo)
	}
	fleet, err := ConnectFleet(ctx, topo.Edge.MQTTURL(), FleetConfig{
		Devices: o.devices,
		Sensor: SensorConfig{
			Seed: o.seed, MalformedShare: o.malformed, AnomalyShare: o.anomalies,
			LimitMC: 90_000, IntervalMS: 100, EpochMS: 1_767_225_600_000, MaxSkewMS: 300,
		},
	})
	require.NoError(t, err, "connect fleet")
	t.Cleanup(func() { require.NoError(t, fleet.Close()) })
	return &testPlant{topo: topo, fleet: fleet}
}

func testContext(t *testing.T) context.Context {
	deadline := time.Now().Add(testTimeout)
	if d, ok := t.Deadline(); ok {
		deadline = d.Add(-cleanupMargin)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	t.Cleanup(cancel)
	return ctx
}

// settle waits until the gateway decided about every published payload,
// flushes the windows and waits until the hub confirmed everything.
func (p *testPlant) settle(t *testing.T, ctx context.Context) {
	t.Helper()
	published := p.fleet.Published()
	keys := make([]string, len(published))
	for i, pl := range published {
		keys[i] = pl.Key
	}
	l := p.topo.Gateway.Ledger()
	require.NoError(t, l.Wait(ctx, func(l *Ledger) bool { return l.Decided(keys) }), "gateway decides every payload")
	require.NoError(t, p.topo.WaitIngested(ctx), "no copy of a payload still on its way to the gateway")
	_, err := p.topo.Gateway.Flush(ctx)
	require.NoError(t, err)
	require.NoError(t, p.topo.WaitLinked(ctx), "link up")
	require.NoError(t, p.topo.WaitAtHub(ctx, StreamHubTelemetry, uint64(l.Stats().Accepted)), "hub catches up")
	require.NoError(t, p.topo.WaitDrained(ctx), "edge drains")
}

// audit reads the hub and checks the invariant.
func (p *testPlant) audit(t *testing.T, ctx context.Context) Findings {
	t.Helper()
	rec, err := ReadHub(ctx, p.topo.HubJS)
	require.NoError(t, err)
	f := Audit{
		Published: p.fleet.Published(),
		Accepted:  p.topo.Gateway.Ledger().Accepted(),
		Hub:       rec,
		WindowMS:  p.topo.Gateway.WindowMS(),
	}.Check()
	require.Empty(t, f.Violations(), "invariant: %s", Invariant)
	return f
}
