package manufacturing_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/patterns/operator"
)

// The hub's registry of sites (patterns/operator's KV bucket) is out of
// the plants' reach: from plant a's edge, its gateway's own credentials
// and a guest's (what a machine gets over MQTT) try to rewrite plant b's
// registration, to purge the bucket's stream and to delete it, through
// the edge's link to the hub. None gets there: the hub holds the edges'
// links to edge-iot's EdgeLinkPermissions (HubConfig.RestrictEdges; without
// it the purge and the delete succeed, from either).
// Fault: bad-input | target: the hub's registry of sites, written, purged and deleted from plant a's edge with the gateway's and a guest's credentials | invariant: no request reaches the hub; plant b's registration unchanged
func TestAnEdgeCannotRewriteTheHubsRegistry(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sys, err := manufacturing.StartSystem(ctx, systemConfig())
	require.NoError(t, err)
	defer sys.Close()
	registry, err := operator.NewKVHub(ctx, sys.HubJS)
	require.NoError(t, err)
	real := operator.Registration{Plant: "plant-b", Site: "plants/plant-b", UID: "u-1", Account: "PLANTS", Subjects: []string{"telemetry.>"}}
	_, err = registry.Register(ctx, real)
	require.NoError(t, err)

	a := sys.Site("plant-a")
	owner, err := natsembed.Connect(a.Edge.Edge.ClientURL(), "plant-a-gateway")
	require.NoError(t, err)
	defer owner.Close()
	guest, err := natsembed.Connect(a.Edge.Edge.GuestURL(), "plant-a-machine")
	require.NoError(t, err)
	defer guest.Close()

	// The link carries what an edge sends (an uplink, confirmed by the
	// hub's stream), and a round trip's time bounds the wait for an answer
	// to each request below: many of them.
	var rtt time.Duration
	require.NoError(t, poll.Until(ctx, 10*time.Millisecond, func() (bool, error) {
		start := time.Now()
		_, err := owner.Request("uplink.plant-a.telemetry.probe", []byte("{}"), time.Second)
		rtt = time.Since(start)
		return err == nil, nil
	}))
	wait := max(time.Second, 50*rtt)

	forged, err := json.Marshal(operator.Registration{Plant: "plant-b", Site: "plants/plant-b", UID: "u-1", Account: "PLANTS", Subjects: []string{">"}})
	require.NoError(t, err)
	bucket := "KV_" + operator.HubBucket
	for _, nc := range []*nats.Conn{owner, guest} {
		for _, req := range []struct {
			subject string
			data    []byte
			what    string
		}{
			{"$KV." + operator.HubBucket + ".plant-b", forged, "rewrote plant b's registration"},
			{"$JS.hub.API.STREAM.PURGE." + bucket, nil, "purged the registry"},
			{"$JS.hub.API.STREAM.DELETE." + bucket, nil, "deleted the registry"},
		} {
			m, err := nc.Request(req.subject, req.data, wait)
			if err == nil {
				t.Errorf("%s %s: %s", nc.Opts.Name, req.what, m.Data)
			}
		}
	}
	got, err := registry.Lookup(ctx, "plant-b")
	require.NoError(t, err)
	assert.Equal(t, real, got)
}
