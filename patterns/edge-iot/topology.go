package edgeiot

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// TopologyConfig describes a plant: one hub and one edge site.
type TopologyConfig struct {
	EdgeStoreDir string // empty: a temporary directory
	HubStoreDir  string // empty: a temporary directory
	Limits       EdgeLimits
	Gateway      GatewayConfig
	Forwarder    ForwarderConfig
	Safeguards   Safeguards
	LinkLatency  time.Duration // added each way on the edge-hub link (benchmarks)
	// Protect gives both servers users: the module's own clients may publish
	// on its subjects, a guest may not (see Protected).
	Protect bool
}

// Topology is a running plant, all in this process: the hub server and its
// streams, and one Site (edge server, link, gateway, forwarder).
type Topology struct {
	Hub     *Hub
	HubJS   jetstream.JetStream // the hub's domain, through the hub
	HubConn *nats.Conn
	*Site
}

// StartTopology starts hub, link, edge, streams, gateway and forwarder, and
// waits until the edge is linked to the hub.
func StartTopology(ctx context.Context, cfg TopologyConfig) (_ *Topology, err error) {
	// t, not the named result: "return nil, err" clears that before the
	// deferred Close would see what to shut down.
	t := &Topology{}
	defer func() {
		if err != nil {
			t.Close()
		}
	}()
	if t.Hub, err = StartHub(HubConfig{StoreDir: cfg.HubStoreDir, Protect: cfg.Protect}); err != nil {
		return nil, err
	}
	if t.HubConn, err = natsembed.Connect(t.Hub.ClientURL(), "hub-operator", nats.ReconnectWait(clientReconnect)); err != nil {
		return nil, err
	}
	if t.HubJS, err = jetstream.New(t.HubConn); err != nil {
		return nil, err
	}
	if err = SetupHubStreams(ctx, t.HubJS, cfg.Limits.DuplicateWindow); err != nil {
		return nil, err
	}
	if t.Site, err = StartSite(ctx, t.Hub, SiteConfig{
		EdgeStoreDir: cfg.EdgeStoreDir,
		Limits:       cfg.Limits,
		Gateway:      cfg.Gateway,
		Forwarder:    cfg.Forwarder,
		Safeguards:   cfg.Safeguards,
		LinkLatency:  cfg.LinkLatency,
		Protect:      cfg.Protect,
	}); err != nil {
		return nil, err
	}
	if err = t.WaitLinked(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

// Close stops the site and shuts the hub down.
func (t *Topology) Close() error {
	var err error
	if t.Site != nil {
		err = t.Site.Close()
	}
	if t.HubConn != nil {
		t.HubConn.Close()
	}
	if t.Hub != nil {
		t.Hub.Shutdown()
	}
	return err
}

// AtHub returns how many messages a hub stream holds.
func (t *Topology) AtHub(ctx context.Context, stream string) (uint64, error) {
	return streamMsgs(ctx, t.HubJS, stream)
}

// WaitAtHub waits until the hub stream holds at least n messages.
func (t *Topology) WaitAtHub(ctx context.Context, stream string, n uint64) error {
	return poll(ctx, func() (bool, error) {
		got, err := t.AtHub(ctx, stream)
		return err == nil && got >= n, t.GatewayErr()
	})
}

// CatchUp waits until the edge has forwarded everything it holds (its
// uplink streams are empty) and the hub holds at least want readings, and
// returns how many the hub holds. When the edge is empty and the hub still
// holds fewer (readings lost on the way: a safeguard switched off), it
// returns once the hub's count has not changed for quiet, and the audit
// names the missing ones.
func (t *Topology) CatchUp(ctx context.Context, want uint64, quiet time.Duration) (uint64, error) {
	if err := t.WaitDrained(ctx); err != nil {
		return 0, fmt.Errorf("wait for the edge to forward everything: %w", err)
	}
	var got uint64
	last, since := uint64(0), time.Now()
	err := poll(ctx, func() (bool, error) {
		n, err := t.AtHub(ctx, StreamHubTelemetry)
		if err != nil {
			return false, nil
		}
		got = n
		if n != last {
			last, since = n, time.Now()
		}
		return n >= want || time.Since(since) >= quiet, t.GatewayErr()
	})
	return got, err
}

// RestartHub stops and restarts the hub server with its store.
func (t *Topology) RestartHub() error {
	if err := t.Hub.Restart(); err != nil {
		return fmt.Errorf("restart hub: %w", err)
	}
	return nil
}

func streamMsgs(ctx context.Context, js jetstream.JetStream, stream string) (uint64, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", stream, err)
	}
	return s.CachedInfo().State.Msgs, nil
}

// pollEvery is how often poll looks again.
const pollEvery = 10 * time.Millisecond

// poll checks cond until it holds, it fails, or ctx ends: the way to wait for
// state that has no event to wait on (a server's view of its links, a
// stream's count).
func poll(ctx context.Context, cond func() (bool, error)) error {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
