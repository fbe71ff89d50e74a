package manufacturing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/industries/manufacturing/edge"
	"github.com/patternlab/patternlab/industries/manufacturing/floor"
	"github.com/patternlab/patternlab/industries/manufacturing/hub"
	"github.com/patternlab/patternlab/industries/manufacturing/plant"
	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/poll"
	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"
)

// SystemConfig is the running system's shape: the floor and its
// behaviour, the edge's rule and the hub's consumer, and the safeguards.
type SystemConfig struct {
	Floor     plant.Floor
	Behaviour plant.Behaviour
	Rule      edge.Rule
	Window    int     // W, the hub consumer's credit window
	HubRate   float64 // readings/s the hub's OEE consumer handles
	// DupWindow is how long message IDs are remembered, at the edge and at
	// the hub: longer than the longest outage.
	DupWindow time.Duration
	AckWait   time.Duration // redelivery of what a consumer took and did not acknowledge
	Retry     time.Duration // stop commands resent until acknowledged
	// CommandDeadline is how long a stop command is resent at most: longer
	// than the longest outage.
	CommandDeadline time.Duration
	// Pace is the wall-clock time of one interval of plant time at least:
	// the time compression. The machines' control loop (a reading, the
	// edge's rule, the stop command) runs in real time within it.
	Pace time.Duration
	// LinkLatency delays each direction of every plant's WAN link
	// (benchmarks: a local stop against a round trip through the hub).
	LinkLatency time.Duration

	// Buffer bounds each edge's store-and-forward buffer (edge-iot's
	// TELEMETRY); the zero Limit keeps edge-iot's default. Past it, the
	// line controller refuses a reading to the dead letters.
	Buffer edgeiot.Limit

	// Lockstep makes each interval wait until every line controller has
	// decided the last one's readings (as its archive counts them). The
	// time compression (5 minutes of plant time in tens of milliseconds)
	// otherwise lets a loaded machine build a backlog in front of the
	// controller that no plant makes, and a local stop waits behind it.
	Lockstep bool

	LocalStop, Dedupe, CreditWindow bool
	AfterStore                      func(plantID string, r plant.Reading) bool
}

// Site is one plant: its edge (edge-iot's site: server, link, buffer,
// forwarder), its line controller and its machines.
type Site struct {
	Plant      plant.Plant
	Edge       *edgeiot.Site
	Controller *edge.Controller
	Floor      *floor.Plant
	conn       *nats.Conn
	url        string       // the edge server's client URL, the owner's credentials
	mqttURL    string       // its MQTT listener
	extra      []*nats.Conn // a remote edge's forwarder connection
	ccfg       edge.ControllerConfig
	stop       context.CancelFunc // the controller's
	stopped    chan error
}

// System is every plant and the hub, running in this process.
type System struct {
	cfg     SystemConfig
	Hub     *edgeiot.Hub
	HubJS   jetstream.JetStream
	Sites   []*Site
	OEE     *hub.OEE
	Stops   *hub.StopService
	DLQ     *deadletter.Queue
	hubConn *nats.Conn
	remote  *Remote
	probe   *nats.Subscription
	cancel  context.CancelFunc
	done    chan error
	running int
	next    time.Time // when the next interval may start
}

// HubDeadLetters is the hub's dead-letter stream for readings its OEE
// consumer cannot decode.
const HubDeadLetters = "HUB_OEE_DLQ"

// StartSystem starts the hub, every plant's edge with its controller, the
// machines, and the hub's OEE consumer (and its stop service when the
// edges do not stop lines themselves), all in this process.
func StartSystem(ctx context.Context, cfg SystemConfig) (*System, error) {
	return startSystem(ctx, cfg, nil)
}

// Remote is a hub and the plants' edge servers running elsewhere (other
// processes): AttachSystem runs the rest against them.
type Remote struct {
	HubURL string                // a client URL of the hub, with its owner's credentials
	Edges  map[string]RemoteEdge // by plant ID
}

// RemoteEdge is one plant's edge server: its client URL (the owner's
// credentials), its MQTT listener, and the link its leafnode connection
// to the hub goes through, which the caller may cut (the System closes it).
type RemoteEdge struct {
	URL, MQTTURL string
	Link         *edgeiot.Link
}

// AttachSystem runs the case against servers started elsewhere: the hub's
// streams and OEE consumer, and at each edge its streams, edge-iot's
// forwarder, the line controller and the machines, in this process.
// Without edge-iot's Site it knows a link is up by a request across it.
func AttachSystem(ctx context.Context, cfg SystemConfig, r Remote) (*System, error) {
	return startSystem(ctx, cfg, &r)
}

func startSystem(ctx context.Context, cfg SystemConfig, remote *Remote) (_ *System, err error) {
	s := &System{cfg: cfg, done: make(chan error, 16), remote: remote}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	hubURL := ""
	if remote == nil {
		if s.Hub, err = edgeiot.StartHub(edgeiot.HubConfig{Protect: true, RestrictEdges: true}); err != nil {
			return nil, err
		}
		hubURL = s.Hub.ClientURL()
	} else {
		hubURL = remote.HubURL
	}
	if s.hubConn, err = natsembed.Connect(hubURL, "hub-oee", nats.ReconnectWait(20*time.Millisecond)); err != nil {
		return nil, err
	}
	if s.HubJS, err = jetstream.New(s.hubConn); err != nil {
		return nil, err
	}
	if err = edgeiot.SetupHubStreams(ctx, s.HubJS, cfg.DupWindow); err != nil {
		return nil, err
	}
	if s.DLQ, err = deadletter.Open(ctx, s.HubJS, HubDeadLetters, "oee.dlq"); err != nil {
		return nil, err
	}
	if remote != nil {
		// what a link probe asks, answered at the hub
		if s.probe, err = s.hubConn.Subscribe(probeSubject+">", func(m *nats.Msg) { _ = m.Respond(nil) }); err != nil {
			return nil, err
		}
	}
	limits := edgeiot.DefaultEdgeLimits()
	limits.DuplicateWindow = cfg.DupWindow
	if cfg.Buffer != (edgeiot.Limit{}) {
		limits.Buffer = cfg.Buffer
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	for _, p := range cfg.Floor.Plants {
		site := &Site{Plant: p}
		s.Sites = append(s.Sites, site)
		if err = s.startEdge(ctx, runCtx, site, limits); err != nil {
			return nil, fmt.Errorf("%s: %w", p.ID, err)
		}
		if err = edge.SetupController(ctx, site.Edge.EdgeJS, cfg.AckWait, cfg.DupWindow); err != nil {
			return nil, fmt.Errorf("%s: %w", p.ID, err)
		}
		if site.conn, err = natsembed.Connect(site.url, p.ID+"-controller", nats.ReconnectWait(20*time.Millisecond)); err != nil {
			return nil, err
		}
		ccfg := edge.ControllerConfig{Floor: cfg.Floor, Plant: p, Rule: cfg.Rule, AckWait: cfg.AckWait, CommandRetry: cfg.Retry,
			CommandDeadline: cfg.CommandDeadline, LocalStop: cfg.LocalStop, Dedupe: cfg.Dedupe}
		if cfg.AfterStore != nil {
			id := p.ID
			ccfg.AfterStore = func(r plant.Reading) bool { return cfg.AfterStore(id, r) }
		}
		site.ccfg = ccfg
		if err = site.startController(); err != nil {
			return nil, err
		}
		if site.Floor, err = floor.Connect(ctx, site.mqttURL, cfg.Floor, p, cfg.Behaviour); err != nil {
			return nil, fmt.Errorf("%s: %w", p.ID, err)
		}
	}
	if s.OEE, err = hub.NewOEE(ctx, s.HubJS, s.DLQ, hub.OEEConfig{Floor: cfg.Floor, Window: cfg.Window, AckWait: cfg.AckWait,
		Rate: cfg.HubRate, CreditWindow: cfg.CreditWindow, Dedupe: cfg.Dedupe}); err != nil {
		return nil, err
	}
	s.goRun(func() error { return s.OEE.Run(runCtx) })
	if !cfg.LocalStop {
		if s.Stops, err = hub.NewStopService(s.hubConn, cfg.Floor, cfg.Retry, cfg.CommandDeadline); err != nil {
			return nil, err
		}
		s.goRun(func() error { return s.Stops.Run(runCtx) })
	}
	for _, site := range s.Sites {
		if err := s.WaitLinked(ctx, site); err != nil {
			return nil, fmt.Errorf("%s: link to the hub: %w", site.Plant.ID, err)
		}
	}
	return s, nil
}

// startEdge starts the plant's edge (edge-iot's Site) in this process, or
// sets up what runs beside a remote one: its streams and the forwarder.
func (s *System) startEdge(ctx, runCtx context.Context, site *Site, limits edgeiot.EdgeLimits) error {
	p := site.Plant
	if s.remote == nil {
		var err error
		if site.Edge, err = edgeiot.StartSite(ctx, s.Hub, edgeiot.SiteConfig{Name: p.ID, Domain: p.ID, Limits: limits, Protect: true, LinkLatency: s.cfg.LinkLatency}); err != nil {
			return err
		}
		site.url, site.mqttURL = site.Edge.Edge.ClientURL(), site.Edge.Edge.MQTTURL()
		return nil
	}
	re, ok := s.remote.Edges[p.ID]
	if !ok {
		return errors.New("no remote edge for the plant")
	}
	site.url, site.mqttURL = re.URL, re.MQTTURL
	site.Edge = &edgeiot.Site{Link: re.Link}
	nc, err := natsembed.Connect(re.URL, p.ID+"-forwarder", nats.ReconnectWait(20*time.Millisecond))
	if err != nil {
		return err
	}
	site.extra = append(site.extra, nc)
	if site.Edge.EdgeJS, err = jetstream.New(nc); err != nil {
		return err
	}
	if err = edgeiot.SetupEdgeStreams(ctx, site.Edge.EdgeJS, re.MQTTURL, limits, edgeiot.Safeguards{}); err != nil {
		return err
	}
	fw, err := edgeiot.NewForwarder(nc, edgeiot.ForwarderConfig{Domain: p.ID, Batch: limits.InFlight})
	if err != nil {
		return err
	}
	s.goRun(func() error { return fw.Run(runCtx) })
	return nil
}

// probeSubject is what a link probe asks the hub on (remote edges).
const probeSubject = "probe."

// Linked reports whether the plant's edge is linked to the hub: edge-iot's
// view of its servers in this process; for a remote edge, whether a request
// from the edge reaches the hub and is answered.
func (s *System) Linked(site *Site) bool {
	if s.remote == nil {
		return site.Edge.Edge.LinkedToHub()
	}
	_, err := site.conn.Request(probeSubject+site.Plant.ID, nil, 250*time.Millisecond)
	return err == nil
}

// WaitLinked waits until the plant's edge is linked to the hub.
func (s *System) WaitLinked(ctx context.Context, site *Site) error {
	if s.remote == nil {
		return site.Edge.WaitLinked(ctx)
	}
	return poll.Until(ctx, settlePoll, func() (bool, error) { return s.Linked(site), s.Err() })
}

func (s *System) goRun(f func() error) {
	s.running++
	go func() { s.done <- f() }() // owned by s: Close cancels and collects
}

// Err returns the first error a component stopped with, if any did.
func (s *System) Err() error {
	for _, site := range s.Sites {
		if site.stopped == nil {
			continue
		}
		select {
		case err := <-site.stopped:
			site.stopped <- err
			if err == nil {
				err = errors.New("stopped")
			}
			return fmt.Errorf("%s line controller: %w", site.Plant.ID, err)
		default:
		}
	}
	select {
	case err := <-s.done:
		s.running--
		if err == nil {
			err = errors.New("a component stopped")
		}
		return err
	default:
		return nil
	}
}

// Interval makes every machine of every plant report its next interval.
func (s *System) Interval(ctx context.Context) error {
	if wait := time.Until(s.next); wait > 0 {
		t := time.NewTimer(wait) // the plant clock's pace, not a wait for an event
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	if s.cfg.Lockstep {
		for _, site := range s.Sites {
			published := uint64(site.Floor.Published())
			var archived uint64
			err := poll.Until(ctx, lockstepPoll, func() (ok bool, err error) {
				archived, err = edge.ArchivedReadings(ctx, site.Edge.EdgeJS)
				return err == nil && archived >= published, s.Err()
			})
			if err != nil {
				return fmt.Errorf("%s: the line controller decided %d of %d readings: %w", site.Plant.ID, archived, published, err)
			}
		}
	}
	s.next = time.Now().Add(s.cfg.Pace)
	for _, site := range s.Sites {
		if _, err := site.Floor.Interval(ctx); err != nil {
			return fmt.Errorf("%s: %w", site.Plant.ID, err)
		}
	}
	return nil
}

// Site returns the plant with this ID.
func (s *System) Site(id string) *Site {
	for _, site := range s.Sites {
		if site.Plant.ID == id {
			return site
		}
	}
	return nil
}

func (site *Site) startController() error {
	c, err := edge.NewController(site.conn, site.ccfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	site.Controller, site.stop, site.stopped = c, cancel, make(chan error, 1)
	go func() { site.stopped <- c.Run(ctx) }() // owned by the site: RestartController and Close stop it
	return nil
}

// RestartController stops the plant's line controller, as a crash of the
// gateway process would (what it took and did not acknowledge stays in
// the landing stream), and starts a new one, which knows nothing of the
// old one's state: its anomaly rule learns each machine's baseline again.
func (site *Site) RestartController() error {
	site.stop()
	if err := <-site.stopped; err != nil {
		return err
	}
	return site.startController()
}

// Close stops every component and server.
func (s *System) Close() {
	for _, site := range s.Sites {
		if site.Floor != nil {
			site.Floor.Close()
		}
	}
	if s.cancel != nil {
		s.cancel()
		for ; s.running > 0; s.running-- {
			<-s.done
		}
	}
	for _, site := range s.Sites {
		if site.stop != nil {
			site.stop()
			<-site.stopped
		}
		if site.conn != nil {
			site.conn.Close()
		}
		for _, nc := range site.extra {
			nc.Close()
		}
		if site.Edge != nil {
			_ = site.Edge.Close()
		}
	}
	if s.hubConn != nil {
		s.hubConn.Close()
	}
	if s.Hub != nil {
		s.Hub.Shutdown()
	}
}

// settlePoll is how often WaitSettled looks at the servers' counters,
// lockstepPoll how often an interval looks at the archives before it starts.
const (
	settlePoll   = 20 * time.Millisecond
	lockstepPoll = 2 * time.Millisecond
)

// WaitSettled waits until everything the machines were acknowledged has
// gone all the way, as the servers count it: each edge has archived at
// least as many readings as its machines published (the controller
// decided them all), each edge's uplinks are empty, the hub's stream holds
// at least as many of each plant's reading messages as it published (the
// hub's count can trail the forwarder's confirmations for a moment), and the
// OEE consumer has handled everything in it. A reading lost on the way
// makes it wait until ctx ends; the audit then names what is missing.
func (s *System) WaitSettled(ctx context.Context) error {
	for _, site := range s.Sites {
		published := uint64(site.Floor.Published())
		var archived uint64
		err := poll.Until(ctx, settlePoll, func() (ok bool, err error) {
			archived, err = edge.ArchivedReadings(ctx, site.Edge.EdgeJS)
			return err == nil && archived >= published, s.Err()
		})
		if err != nil {
			return fmt.Errorf("%s: %d of %d readings archived: %w", site.Plant.ID, archived, published, err)
		}
		if err := site.Edge.WaitDrained(ctx); err != nil {
			return fmt.Errorf("%s: forwarding: %w", site.Plant.ID, err)
		}
		var atHub uint64
		var refused int
		var countErr error
		err = poll.Until(ctx, settlePoll, func() (ok bool, err error) {
			atHub, countErr = subjectCount(ctx, s.HubJS, edgeiot.StreamHubTelemetry, "uplink."+site.Plant.ID+".telemetry.>")
			if countErr == nil && atHub < published {
				// what a full edge buffer refused is at the hub's dead letters instead
				var ids map[string]bool
				ids, countErr = s.refusedAtHub(ctx, site.Plant.ID)
				refused = len(ids)
			}
			return countErr == nil && atHub+uint64(refused) >= published, s.Err()
		})
		if err != nil {
			return fmt.Errorf("%s: %d of %d published readings at the hub, %d refused at its dead letters (%v): %w", site.Plant.ID, atHub, published, refused, countErr, err)
		}
	}
	return poll.Until(ctx, settlePoll, func() (bool, error) {
		st, err := s.HubJS.Stream(ctx, edgeiot.StreamHubTelemetry)
		if err != nil {
			return false, nil
		}
		handled, _ := s.OEE.Handled()
		delivered, waiting, err := s.OEE.InFlight(ctx)
		return err == nil && uint64(handled) >= st.CachedInfo().State.Msgs && delivered == 0 && waiting == 0, s.Err()
	})
}

// subjectCount is how many messages of stream match filter.
func subjectCount(ctx context.Context, js jetstream.JetStream, stream, filter string) (uint64, error) {
	st, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n, nil
}
