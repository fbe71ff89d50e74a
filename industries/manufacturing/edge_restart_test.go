//go:build integration

package manufacturing_test

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/industries/manufacturing/edge"
	"github.com/patternlab/patternlab/industries/manufacturing/plant"
)

// An edge server restart while readings are on their way to the hub.
// KNOWN LOSS, not fixed yet: with nats-server v2.15.2, patterns/edge-iot's
// TELEMETRY (a work-queue file stream) comes back from the restart without
// the messages its forwarder had fetched and the hub had not confirmed
// (before: msgs 145-175, after: first seq 176), in 3 of 3 runs at a 20 ms
// pace; they are in the edge's archive and never reach the hub. The demo
// restarts the line controller (the gateway process) instead until
// edge-iot's buffer survives this; EDGE_RESTART=1 runs this reproduction.
func TestEdgeServerRestartWithReadingsInFlightLosesNothing(t *testing.T) {
	if os.Getenv("EDGE_RESTART") == "" {
		t.Skip("known loss in edge-iot's buffer on an edge server restart with readings in flight: EDGE_RESTART=1 reproduces it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := systemConfig()
	hit := make(chan struct{})
	var once sync.Once
	cfg.AfterStore = func(p string, r plant.Reading) bool {
		if os.Getenv("HOOK") != "" && p == "plant-b" && r.Seq == 30 && r.Machine == "b-l2-m2" {
			fired := false
			once.Do(func() { fired = true; close(hit) })
			return fired
		}
		return false
	}
	sys, err := manufacturing.StartSystem(ctx, cfg)
	require.NoError(t, err)
	defer sys.Close()
	b := sys.Site("plant-b")
	for i := 1; i <= 60; i++ {
		require.NoError(t, sys.Interval(ctx))
		if i == 30 {
			if os.Getenv("HOOK") != "" {
				<-hit
			}
			st, _ := b.Edge.EdgeJS.Stream(ctx, "TELEMETRY")
			si, _ := st.Info(ctx)
			t.Logf("before restart TELEMETRY %+v", si.State)
			require.NoError(t, b.Edge.RestartEdge())
			st, err = b.Edge.EdgeJS.Stream(ctx, "TELEMETRY")
			if err == nil {
				si, _ = st.Info(ctx)
				t.Logf("after restart TELEMETRY %+v", si.State)
			}
			t.Logf("restarted after interval 30")
		}
	}
	sctx, c2 := context.WithTimeout(ctx, 20*time.Second)
	defer c2()
	t.Logf("settle: %v", sys.WaitSettled(sctx))
	recs, err := edge.ReadAll(ctx, sys.HubJS, "HUB_TELEMETRY", "uplink.plant-b.>")
	require.NoError(t, err)
	have := map[string]int{}
	for _, r := range recs {
		var rd plant.Reading
		_ = json.Unmarshal(r.Data, &rd)
		have[rd.ID()]++
	}
	arc, err := edge.ReadArchive(ctx, b.Edge.EdgeJS)
	require.NoError(t, err)
	var missing []string
	for _, r := range arc.Readings {
		if have[r.ID()] == 0 {
			missing = append(missing, r.ID())
		}
	}
	t.Logf("archive %d hub %d missing %v", len(arc.Readings), len(recs), missing)
	st, _ := b.Edge.EdgeJS.Stream(ctx, "TELEMETRY")
	si, _ := st.Info(ctx)
	c, _ := st.Consumer(ctx, "HUB")
	ci, _ := c.Info(ctx)
	t.Logf("TELEMETRY state %+v; HUB consumer delivered %+v ackfloor %+v pending %d ackpending %d redelivered %d", si.State, ci.Delivered, ci.AckFloor, ci.NumPending, ci.NumAckPending, ci.NumRedelivered)
}
