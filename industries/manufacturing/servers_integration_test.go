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

	per := cfg.Floor.IntervalsPerShift()
	a := playWithPlantACut(t, ctx, sys, 3*per, per+1, 2*per+1, func(a *manufacturing.Site) error {
		return poll.Until(ctx, 20*time.Millisecond, func() (bool, error) { return !sys.Linked(a), nil })
	})
	f := auditAfterAShiftCut(t, ctx, sys, per)
	assert.Empty(t, f.Refused)
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
