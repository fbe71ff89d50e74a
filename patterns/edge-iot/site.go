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

// SiteConfig describes one plant's edge: its server, the link to the hub,
// its gateway (the local rules) and its forwarder.
type SiteConfig struct {
	// Name names the edge server; "edge" when empty.
	Name string
	// Domain is the edge's JetStream domain, unique per site on one hub;
	// DefaultEdgeDomain when empty.
	Domain       string
	EdgeStoreDir string // empty: a temporary directory
	Limits       EdgeLimits
	Gateway      GatewayConfig   // Domain and Safeguards are set from the site
	Forwarder    ForwarderConfig // Domain and Batch are set from the site
	Safeguards   Safeguards
	LinkLatency  time.Duration // added each way on the site's link to the hub
	// Protect gives the edge server users: the gateway, the forwarder and
	// the hub's link may publish on the module's subjects (EdgeProtected),
	// a guest (devices over MQTT, any other client) may not.
	Protect bool
}

// Site is a running edge: its nats-server (MQTT listener, JetStream in its
// own domain, a leafnode to the hub through Link), its streams, the
// gateway and the forwarder, all in this process. Machines connect to
// Edge.MQTTURL with ConnectFleet.
type Site struct {
	Edge      *Edge
	Link      *Link
	Gateway   *Gateway
	Forwarder *Forwarder
	EdgeJS    jetstream.JetStream // the edge's domain, through the edge

	edgeConn *nats.Conn // the gateway's
	fwdConn  *nats.Conn // the forwarder's
	hub      *Hub
	cancel   context.CancelFunc
	gwDone   chan error // the gateway's Run result
	fwdDone  chan error // the forwarder's Run result
}

// clientReconnect is how soon demo clients redial a restarted server.
const clientReconnect = 20 * time.Millisecond

// StartSite starts an edge linked to hub: the link, the edge server, its
// streams, the gateway and the forwarder. It does not wait for the link:
// an edge works without its hub, which is the point (see WaitLinked).
func StartSite(ctx context.Context, hub *Hub, cfg SiteConfig) (_ *Site, err error) {
	if cfg.Domain == "" {
		cfg.Domain = DefaultEdgeDomain
	}
	// s, not the named result: "return nil, err" clears that before the
	// deferred Close would see what to shut down.
	s := &Site{hub: hub, gwDone: make(chan error, 1), fwdDone: make(chan error, 1)}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if s.Link, err = NewLink(hub.LeafAddr()); err != nil {
		return nil, err
	}
	s.Link.SetLatency(cfg.LinkLatency)
	var deny []string
	if hub.RestrictsEdges() {
		deny = EdgeLinkDenied
	}
	if s.Edge, err = StartEdge(EdgeConfig{Name: cfg.Name, Domain: cfg.Domain, StoreDir: cfg.EdgeStoreDir,
		HubAddr: s.Link.Addr(), HubUser: hub.LeafUser(), Protect: cfg.Protect, DenyHub: deny}); err != nil {
		return nil, err
	}
	name := s.Edge.Domain
	if s.edgeConn, err = natsembed.Connect(s.Edge.ClientURL(), name+"-gateway", nats.ReconnectWait(clientReconnect)); err != nil {
		return nil, err
	}
	if s.fwdConn, err = natsembed.Connect(s.Edge.ClientURL(), name+"-forwarder", nats.ReconnectWait(clientReconnect)); err != nil {
		return nil, err
	}
	if s.EdgeJS, err = jetstream.New(s.edgeConn); err != nil {
		return nil, err
	}
	if err = SetupEdgeStreams(ctx, s.EdgeJS, s.Edge.MQTTURL(), cfg.Limits, cfg.Safeguards); err != nil {
		return nil, err
	}
	gw := cfg.Gateway
	gw.Domain, gw.Safeguards = cfg.Domain, cfg.Safeguards
	if s.Gateway, err = NewGateway(s.edgeConn, gw); err != nil {
		return nil, err
	}
	fw := cfg.Forwarder
	fw.Domain = cfg.Domain
	if fw.Batch == 0 {
		fw.Batch = cfg.Limits.InFlight
	}
	if s.Forwarder, err = NewForwarder(s.fwdConn, fw); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.startGateway(runCtx)
	go func() { s.fwdDone <- s.Forwarder.Run(runCtx) }() // owned by s: Close cancels and waits
	return s, nil
}

func (s *Site) startGateway(ctx context.Context) {
	go func() { s.gwDone <- s.Gateway.Run(ctx) }() // owned by s: Close cancels and waits
}

// Close stops the gateway and the forwarder and shuts the edge and the
// link down. It returns the gateway's error, if it stopped on one.
func (s *Site) Close() error {
	var err error
	if s.cancel != nil {
		s.cancel()
		err = <-s.gwDone
		if ferr := <-s.fwdDone; err == nil {
			err = ferr
		}
		s.cancel = nil
	}
	for _, nc := range []*nats.Conn{s.edgeConn, s.fwdConn} {
		if nc != nil {
			nc.Close()
		}
	}
	if s.Edge != nil {
		s.Edge.Shutdown()
	}
	if s.Link != nil {
		_ = s.Link.Close()
	}
	return err
}

// GatewayErr returns the gateway's error if it stopped on its own.
func (s *Site) GatewayErr() error {
	select {
	case err := <-s.gwDone:
		s.gwDone <- err
		if err == nil {
			err = errors.New("gateway stopped")
		}
		return err
	default:
		return nil
	}
}

// WaitLinked waits until the site's leafnode link to the hub is up.
func (s *Site) WaitLinked(ctx context.Context) error {
	return poll(ctx, func() (bool, error) {
		return s.Edge.LinkedToHub() && s.hub.NATS().NumLeafNodes() > 0, s.GatewayErr()
	})
}

// WaitUnlinked waits until the edge has noticed its link is down.
func (s *Site) WaitUnlinked(ctx context.Context) error {
	return poll(ctx, func() (bool, error) { return !s.Edge.LinkedToHub(), nil })
}

// Held returns how many messages an edge stream holds: for an uplink, what
// the hub has not confirmed yet.
func (s *Site) Held(ctx context.Context, stream string) (uint64, error) {
	return streamMsgs(ctx, s.EdgeJS, stream)
}

// WaitDrained waits until every uplink stream at the edge is empty: the hub
// has confirmed everything the edge stored.
func (s *Site) WaitDrained(ctx context.Context) error {
	return poll(ctx, func() (bool, error) {
		for _, u := range Uplinks {
			n, err := s.Held(ctx, u.Edge)
			if err != nil || n > 0 {
				return false, s.GatewayErr()
			}
		}
		return true, nil
	})
}

// WaitIngested waits until the gateway has decided and acknowledged every
// payload the MQTT listener stored: its consumer on the landing stream has
// nothing pending, nothing unacknowledged (the server's view). Only then is
// no copy of a payload still on its way to the gateway.
func (s *Site) WaitIngested(ctx context.Context) error {
	return poll(ctx, func() (bool, error) {
		c, err := s.EdgeJS.Consumer(ctx, StreamMQTT, GatewayConsumer)
		if err != nil {
			return false, s.GatewayErr()
		}
		info := c.CachedInfo()
		return info.NumPending == 0 && info.NumAckPending == 0, s.GatewayErr()
	})
}

// RestartEdge stops the edge server (a crash, as its clients see it) and
// starts it again on the same ports and file store. The gateway and the
// forwarder reconnect on their own.
func (s *Site) RestartEdge() error {
	if err := s.Edge.Restart(); err != nil {
		return fmt.Errorf("restart edge: %w", err)
	}
	return nil
}
