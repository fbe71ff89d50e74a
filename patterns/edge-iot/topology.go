package edgeiot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// TopologyConfig describes a plant: one hub, one edge, the link between
// them and the edge gateway.
type TopologyConfig struct {
	EdgeStoreDir string // empty: a temporary directory
	HubStoreDir  string // empty: a temporary directory
	Limits       EdgeLimits
	Gateway      GatewayConfig
	LinkLatency  time.Duration // added each way on the edge-hub link (benchmarks)
}

// Topology is a running plant, all in this process: the hub server, the
// edge server (MQTT listener, JetStream, leafnode to the hub through Link),
// the streams on both sides and the gateway processing loop.
type Topology struct {
	Hub     *Hub
	Edge    *Edge
	Link    *Link
	Gateway *Gateway
	EdgeJS  jetstream.JetStream // the edge's domain, through the edge
	HubJS   jetstream.JetStream // the hub's domain, through the hub
	HubConn *nats.Conn

	edgeConn *nats.Conn
	cancel   context.CancelFunc
	done     chan error // the gateway's Run result
}

// clientReconnect is how soon demo clients redial a restarted server.
const clientReconnect = 20 * time.Millisecond

// StartTopology starts hub, link, edge, streams and gateway, and waits until
// the edge is linked to the hub.
func StartTopology(ctx context.Context, cfg TopologyConfig) (t *Topology, err error) {
	t = &Topology{done: make(chan error, 1)}
	defer func() {
		if err != nil {
			t.Close()
		}
	}()
	if t.Hub, err = StartHub(HubConfig{StoreDir: cfg.HubStoreDir}); err != nil {
		return nil, err
	}
	if t.Link, err = NewLink(t.Hub.LeafAddr()); err != nil {
		return nil, err
	}
	t.Link.SetLatency(cfg.LinkLatency)
	if t.Edge, err = StartEdge(EdgeConfig{StoreDir: cfg.EdgeStoreDir, HubAddr: t.Link.Addr()}); err != nil {
		return nil, err
	}
	if t.edgeConn, err = natsembed.Connect(t.Edge.ClientURL(), "edge-gateway", nats.ReconnectWait(clientReconnect)); err != nil {
		return nil, err
	}
	if t.HubConn, err = natsembed.Connect(t.Hub.ClientURL(), "hub-operator", nats.ReconnectWait(clientReconnect)); err != nil {
		return nil, err
	}
	if t.EdgeJS, err = jetstream.New(t.edgeConn); err != nil {
		return nil, err
	}
	if t.HubJS, err = jetstream.New(t.HubConn); err != nil {
		return nil, err
	}
	if err = SetupEdgeStreams(ctx, t.EdgeJS, t.Edge.Domain, t.Edge.MQTTURL(), cfg.Limits); err != nil {
		return nil, err
	}
	if err = SetupHubStreams(ctx, t.HubJS, t.Edge.Domain, cfg.Limits.DuplicateWindow); err != nil {
		return nil, err
	}
	if t.Gateway, err = NewGateway(t.edgeConn, cfg.Gateway); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	go func() { t.done <- t.Gateway.Run(runCtx) }() // owned by t: Close cancels and waits
	if err = t.WaitLinked(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

// Close stops the gateway and shuts every server down.
func (t *Topology) Close() error {
	var err error
	if t.cancel != nil {
		t.cancel()
		err = <-t.done
		t.cancel = nil
	}
	for _, nc := range []*nats.Conn{t.edgeConn, t.HubConn} {
		if nc != nil {
			nc.Close()
		}
	}
	if t.Edge != nil {
		t.Edge.Shutdown()
	}
	if t.Link != nil {
		_ = t.Link.Close()
	}
	if t.Hub != nil {
		t.Hub.Shutdown()
	}
	return err
}

// GatewayErr returns the gateway's error if it stopped on its own.
func (t *Topology) GatewayErr() error {
	select {
	case err := <-t.done:
		t.done <- err
		if err == nil {
			err = errors.New("gateway stopped")
		}
		return err
	default:
		return nil
	}
}

// WaitLinked waits until the leafnode link is up on both sides and the hub
// has interest in every uplink's delivery subject.
func (t *Topology) WaitLinked(ctx context.Context) error {
	return poll(ctx, func() (bool, error) {
		return t.Edge.LinkedToHub() && t.Hub.NATS().NumLeafNodes() > 0, t.GatewayErr()
	})
}

// WaitUnlinked waits until the edge has noticed the link is down.
func (t *Topology) WaitUnlinked(ctx context.Context) error {
	return poll(ctx, func() (bool, error) { return !t.Edge.LinkedToHub(), nil })
}

// Held returns how many messages an edge stream holds: for an uplink, what
// the hub has not confirmed yet.
func (t *Topology) Held(ctx context.Context, stream string) (uint64, error) {
	return streamMsgs(ctx, t.EdgeJS, stream)
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

// WaitDrained waits until every uplink stream at the edge is empty: the hub
// has confirmed everything the edge stored.
func (t *Topology) WaitDrained(ctx context.Context) error {
	return poll(ctx, func() (bool, error) {
		for _, u := range Uplinks {
			n, err := t.Held(ctx, u.Edge)
			if err != nil || n > 0 {
				return false, t.GatewayErr()
			}
		}
		return true, nil
	})
}

// RestartEdge stops the edge server (a crash, as its clients see it) and
// starts it again on the same ports and file store.
func (t *Topology) RestartEdge() error {
	if err := t.Edge.Restart(); err != nil {
		return fmt.Errorf("restart edge: %w", err)
	}
	return nil
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
