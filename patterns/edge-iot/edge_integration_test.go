//go:build integration

package edgeiot

import (
	"context"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	tcwait "github.com/testcontainers/testcontainers-go/wait"

	"github.com/patternlab/patternlab/kit/goimage"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// The hub and the edge run as separate nats-server containers, built from
// the module cache, configured by the files in testdata/containers. The
// gateway and the machines run in this process against the edge's mapped
// ports. The link is cut for real: the edge container is disconnected from
// the network it shares with the hub, then connected again. Twice.
//
// Fault: link-cut | target: the edge's container, disconnected from the network it shares with the hub's, then connected again, twice | invariant: every reading accepted at the edge reaches the hub exactly once
func TestIntegrationLinkCutBetweenContainers(t *testing.T) {
	goimage.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	image, err := goimage.Build(ctx, "github.com/nats-io/nats-server/v2")
	require.NoError(t, err)

	// wan joins edge and hub; each also sits on a network of its own through
	// which this test reaches its mapped ports, and which the cut leaves alone.
	// wan is internal: Docker publishes a multi-homed container's ports through
	// its gateway network, chosen among the non-internal ones, so the mapped
	// ports never ride on the link that is cut (with three ordinary networks
	// the choice follows their random names, and half the runs cut the test
	// off from the edge too).
	wan := newNetwork(t, ctx, network.WithInternal())
	cloud := newNetwork(t, ctx)
	plant := newNetwork(t, ctx)

	hub := startServer(t, ctx, image, "hub", []string{"4222/tcp"}, cloud, wan)
	edge := startServer(t, ctx, image, "edge", []string{"4222/tcp", "1883/tcp"}, plant, wan)

	hubURL := endpoint(t, ctx, hub, "4222/tcp", "nats")
	edgeURL := endpoint(t, ctx, edge, "4222/tcp", "nats")
	mqttURL := endpoint(t, ctx, edge, "1883/tcp", "tcp")

	edgeConn := connect(t, edgeURL, "edge-gateway")
	hubConn := connect(t, hubURL, "hub-operator")
	edgeJS, err := jetstream.New(edgeConn)
	require.NoError(t, err)
	hubJS, err := jetstream.New(hubConn)
	require.NoError(t, err)
	edgeFromHub, err := jetstream.NewWithDomain(hubConn, DefaultEdgeDomain)
	require.NoError(t, err)

	lim := DefaultEdgeLimits()
	lim.InFlight = 64
	require.NoError(t, SetupEdgeStreams(ctx, edgeJS, mqttURL, lim, Safeguards{}))
	require.NoError(t, SetupHubStreams(ctx, hubJS, lim.DuplicateWindow))

	gw, err := NewGateway(edgeConn, GatewayConfig{Detector: &Detector{LimitMC: 90_000}, Reflex: true})
	require.NoError(t, err)
	runCtx, stopGateway := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- gw.Run(runCtx) }() // owned by the test: stopped below
	t.Cleanup(func() { stopGateway(); require.NoError(t, <-done) })
	fw, err := NewForwarder(connect(t, edgeURL, "edge-forwarder"), ForwarderConfig{Batch: lim.InFlight})
	require.NoError(t, err)
	fwDone := make(chan error, 1)
	go func() { fwDone <- fw.Run(runCtx) }() // owned by the test: stopped below
	t.Cleanup(func() { stopGateway(); require.NoError(t, <-fwDone) })

	fleet, err := ConnectFleet(ctx, mqttURL, FleetConfig{
		Devices: 4,
		Rate:    500,
		Sensor: SensorConfig{Seed: 3, MalformedShare: 0.05, AnomalyShare: 0.03, LimitMC: 90_000,
			IntervalMS: 100, EpochMS: 1_767_225_600_000, MaxSkewMS: 300},
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, fleet.Close()) })

	// The link is up when the hub can reach the edge's JetStream API.
	linked := func() bool {
		probe, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		_, err := edgeFromHub.Stream(probe, StreamTelemetry)
		return err == nil
	}
	hubHolds := func() uint64 {
		n, err := streamMsgs(ctx, hubJS, StreamHubTelemetry)
		require.NoError(t, err)
		return n
	}
	ledger := gw.Ledger()
	caughtUp := func() {
		t.Helper()
		require.Eventually(t, func() bool { return hubHolds() >= uint64(ledger.Stats().Accepted) },
			2*time.Minute, 50*time.Millisecond, "hub catches up")
	}
	decided := func(ps []Payload) {
		t.Helper()
		keys := make([]string, len(ps))
		for i, p := range ps {
			keys[i] = p.Key
		}
		require.NoError(t, ledger.Wait(ctx, func(l *Ledger) bool { return l.Decided(keys) }))
	}

	require.Eventually(t, linked, time.Minute, 100*time.Millisecond, "edge links to hub")
	ps, err := fleet.Publish(ctx, 50)
	require.NoError(t, err)
	decided(ps)
	caughtUp()

	for cut := 1; cut <= 2; cut++ {
		docker(t, ctx, "network", "disconnect", wan.Name, edge.GetContainerID())
		require.Eventually(t, func() bool { return !linked() }, time.Minute, 100*time.Millisecond, "cut %d takes effect", cut)
		before := hubHolds()
		ps, err := fleet.Publish(ctx, 50)
		require.NoError(t, err)
		decided(ps)
		assert.Equal(t, before, hubHolds(), "cut %d: nothing crosses", cut)
		held, err := streamMsgs(ctx, edgeJS, StreamTelemetry)
		require.NoError(t, err)
		assert.Positive(t, held, "cut %d: the edge buffers", cut)

		docker(t, ctx, "network", "connect", "--alias", "edge", wan.Name, edge.GetContainerID())
		require.Eventually(t, linked, time.Minute, 100*time.Millisecond, "cut %d: the link comes back", cut)
		caughtUp()
	}

	_, err = gw.Flush(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		for _, u := range Uplinks {
			if n, err := streamMsgs(ctx, edgeJS, u.Edge); err != nil || n > 0 {
				return false
			}
		}
		return true
	}, 2*time.Minute, 50*time.Millisecond, "edge drains")

	rec, err := ReadHub(ctx, hubJS)
	require.NoError(t, err)
	f := Audit{Published: fleet.Published(), Accepted: ledger.Accepted(), Hub: rec, WindowMS: gw.WindowMS()}.Check()
	require.Empty(t, f.Violations(), "invariant: %s", Invariant)
	assert.Equal(t, f.Accepted, f.AtHub)
	t.Logf("%d readings accepted and at the hub once, %d windows checked, %d malformed dead-lettered",
		f.Accepted, f.Windows, f.Malformed)
}

func newNetwork(t *testing.T, ctx context.Context, opts ...network.NetworkCustomizer) *testcontainers.DockerNetwork {
	t.Helper()
	n, err := network.New(ctx, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Remove(context.Background()) })
	return n
}

// startServer runs the nats-server image with testdata/containers/<name>.conf,
// reachable as <name> on every network.
func startServer(t *testing.T, ctx context.Context, image, name string, ports []string, nets ...*testcontainers.DockerNetwork) testcontainers.Container {
	t.Helper()
	req := testcontainers.ContainerRequest{
		Image:        image,
		Name:         fmt.Sprintf("patternlab-edge-iot-%s-%d", name, time.Now().UnixNano()),
		Cmd:          []string{"-c", "/etc/nats/" + name + ".conf"},
		ExposedPorts: ports,
		Files: []testcontainers.ContainerFile{{
			HostFilePath: "testdata/containers/" + name + ".conf", ContainerFilePath: "/etc/nats/" + name + ".conf", FileMode: 0o644,
		}},
		NetworkAliases: map[string][]string{},
		WaitingFor:     tcwait.ForLog("Server is ready").WithStartupTimeout(time.Minute),
	}
	for _, n := range nets {
		req.Networks = append(req.Networks, n.Name)
		req.NetworkAliases[n.Name] = []string{name}
	}
	c, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{ContainerRequest: req, Started: true})
	testcontainers.CleanupContainer(t, c)
	require.NoError(t, err, "start %s", name)
	return c
}

func endpoint(t *testing.T, ctx context.Context, c testcontainers.Container, port, scheme string) string {
	t.Helper()
	e, err := c.PortEndpoint(ctx, port, scheme)
	require.NoError(t, err)
	return e
}

func connect(t *testing.T, url, name string) *nats.Conn {
	t.Helper()
	nc, err := natsembed.Connect(url, name, nats.ReconnectWait(50*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

func docker(t *testing.T, ctx context.Context, args ...string) {
	t.Helper()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	require.NoError(t, err, "docker %v: %s", args, out)
}
