//go:build integration

package manufacturing_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/kit/childproc"
	"github.com/patternlab/patternlab/kit/poll"
	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"
)

// The hub and both plants' edges run as nats-server processes of their
// own (this test binary started again, kit/childproc), each edge's
// leafnode connection through a Link in this process; the controllers,
// forwarders, machines and the hub's OEE consumer run here against their
// URLs (AttachSystem). Plant a's link is cut for its whole second shift,
// between two processes, and the audit holds as in the one-process test:
// OEE equal for every line-shift, each stop at the hub once, both lines
// stopped by their edge within the budget.
// Fault: link-cut | target: the link between plant a's edge process and the hub process, for a whole shift | invariant: OEE at the hub equals the edges' archives for all 12 line-shifts; each stop at the hub once and by the edge within the budget
func TestIntegrationSeparateServerProcesses(t *testing.T) {
	cfg := systemConfig()
	ctx, cancel := context.WithTimeout(context.Background(), playDeadline(3*cfg.Floor.IntervalsPerShift()))
	defer cancel()
	dir := t.TempDir()
	hub := startServerProcess(t, ctx, serverSpec{Role: "hub", Out: filepath.Join(dir, "hub.json")})
	remote := manufacturing.Remote{HubURL: hub.ClientURL, Edges: map[string]manufacturing.RemoteEdge{}}
	for _, p := range cfg.Floor.Plants {
		link, err := edgeiot.NewLink(hub.LeafAddr)
		require.NoError(t, err)
		e := startServerProcess(t, ctx, serverSpec{Role: "edge", Plant: p.ID, HubAddr: link.Addr(), HubUser: hub.LeafUser, HubPass: hub.LeafPass,
			StoreDir: filepath.Join(dir, p.ID), Out: filepath.Join(dir, p.ID+".json")})
		remote.Edges[p.ID] = manufacturing.RemoteEdge{URL: e.ClientURL, MQTTURL: e.MQTTURL, Link: link}
	}
	sys, err := manufacturing.AttachSystem(ctx, cfg, remote)
	require.NoError(t, err)
	defer sys.Close()

	a := sys.Site("plant-a")
	per := cfg.Floor.IntervalsPerShift()
	for i := 1; i <= 3*per; i++ {
		switch i {
		case per + 1:
			a.Edge.Link.Cut()
			require.NoError(t, poll.Until(ctx, 20*time.Millisecond, func() (bool, error) { return !sys.Linked(a), nil }))
		case 2*per + 1:
			a.Edge.Link.Restore()
		}
		require.NoError(t, sys.Interval(ctx))
	}
	require.NoError(t, sys.WaitSettled(ctx))

	f, err := sys.Audit(ctx, manufacturing.DefaultConfig().Budget)
	require.NoError(t, err)
	assert.Equal(t, 12*3*per, f.Raw)
	assert.Empty(t, f.Refused)
	assert.Len(t, f.Want, 12, "4 lines × 3 shifts")
	assert.Empty(t, f.OEE)
	require.Len(t, f.Stops, 2, "one worn bearing in each plant")
	assert.Empty(t, f.StopsOff)
	assert.Empty(t, f.Late)
	for _, l := range f.Latencies {
		assert.True(t, l.Reached, l.Stop)
		assert.Equal(t, "edge", l.Issuer, l.Stop)
	}
	assert.Equal(t, 1, a.Edge.Link.Cuts(), "the link between the processes was cut once")
}

// startServerProcess starts a nats-server process and reads what it wrote
// about itself once ready.
func startServerProcess(t *testing.T, ctx context.Context, spec serverSpec) serverInfo {
	t.Helper()
	p, err := childproc.Start(ctx, serversMarker, spec, childproc.Options{Name: spec.Role + " " + spec.Plant})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, p.Stop()) })
	require.NotEqual(t, os.Getpid(), p.PID())
	data, err := os.ReadFile(spec.Out)
	require.NoError(t, err)
	var info serverInfo
	require.NoError(t, json.Unmarshal(data, &info))
	return info
}
