package edgeiot

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/kit/narrate"
)

// Config is what the demo runs.
type Config struct {
	Devices   int     // machines on the plant floor
	Readings  int     // payloads per machine in each of the first three acts
	Outage    int     // payloads per machine during the long outage of act 4
	Rate      float64 // payloads per second per machine
	Seed      uint64  // replays the same payloads
	Malformed float64 // share of payloads that are broken
	Anomalies float64 // share of valid readings above the alert limit
	Buffer    int64   // the edge's store-and-forward buffer, in readings
	Cuts      int     // link cuts in act 2, each with an act of readings
}

// DefaultConfig is the demo `go run ./patterns/edge-iot/cmd/demo` runs.
func DefaultConfig() Config {
	return Config{
		Devices:   6,
		Readings:  40,
		Outage:    80,
		Rate:      200,
		Seed:      7,
		Malformed: 0.05,
		Anomalies: 0.03,
		Buffer:    300,
		Cuts:      1,
	}
}

// Validate says what is wrong with a configuration, as a usage error.
func (c Config) Validate() error {
	switch {
	case c.Devices < 1 || c.Devices > 99:
		return narrate.Usagef("devices must be 1..99, got %d", c.Devices)
	case c.Readings < 1 || c.Readings > 100_000:
		return narrate.Usagef("readings must be 1..100000, got %d", c.Readings)
	case c.Outage < 1 || c.Outage > 100_000:
		return narrate.Usagef("outage must be 1..100000, got %d", c.Outage)
	case c.Rate <= 0 || c.Rate > 100_000:
		return narrate.Usagef("rate must be in (0, 100000] payloads/s, got %g", c.Rate)
	case c.Malformed < 0 || c.Malformed > 0.5:
		return narrate.Usagef("malformed must be in [0, 0.5], got %g", c.Malformed)
	case c.Anomalies < 0 || c.Anomalies > 0.5:
		return narrate.Usagef("anomalies must be in [0, 0.5], got %g", c.Anomalies)
	case c.Cuts < 1 || c.Cuts > 1000:
		return narrate.Usagef("cuts must be 1..1000, got %d", c.Cuts)
	case c.Buffer < int64(c.Devices*c.Readings):
		return narrate.Usagef("buffer (%d) must hold one act of readings (devices x readings = %d): act 2's outage must fit",
			c.Buffer, c.Devices*c.Readings)
	}
	return nil
}

// Demo parameters that are not flags.
const (
	alertLimitMC   = 90_000 // 90 °C
	windowMS       = 1_000  // one aggregate per machine per second of its clock
	intervalMS     = 100    // a reading every 100 ms of the machine's clock
	commandRetry   = 250 * time.Millisecond
	demoDeadline   = 2 * time.Minute // plus what more cuts take
	invariantFacts = "every valid reading accepted at the edge reached the hub exactly once; " +
		"the hub's aggregates equal those recomputed from its raw readings; " +
		"every malformed payload is in the dead-letter stream with a reason"
)

// Invariant is the sentence the demo's last line states.
const Invariant = invariantFacts

// Demo runs the plant: devices publish over MQTT to the edge, the edge
// processes locally and forwards to the hub; the link is cut, the edge
// server crashes, and an outage outlasts the buffer; then an audit checks
// the invariant against what the hub really holds.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, demoDeadline+time.Duration(cfg.Cuts-1)*10*time.Second)
	defer cancel()

	lim := DefaultEdgeLimits()
	lim.Buffer = Limit{MaxMsgs: cfg.Buffer, MaxBytes: cfg.Buffer * 1024}
	lim.InFlight = 64
	det := &Detector{LimitMC: alertLimitMC}

	n.Act("plant floor: %d CNC machines -> edge gateway -> hub", cfg.Devices)
	topo, err := StartTopology(ctx, TopologyConfig{
		Limits:  lim,
		Gateway: GatewayConfig{WindowMS: windowMS, Detector: det, Reflex: true},
	})
	if err != nil {
		return err
	}
	defer topo.Close()
	n.Step("hub", "nats-server %q with JetStream domain %q and a leafnode listener", "hub", topo.Hub.Domain)
	n.Step("edge", "nats-server %q with JetStream domain %q on file storage, an MQTT 3.1.1 listener and a leafnode link to the hub",
		"edge", topo.Edge.Domain)
	n.Step("edge", "store-and-forward buffer TELEMETRY: at most %d readings, discard new; the hub acknowledges what it stored, then the edge deletes it",
		cfg.Buffer)
	n.Step("hub", "HUB_TELEMETRY, HUB_EVENTS and HUB_DLQ source the edge's streams through its durable uplink consumers")

	fleet, err := ConnectFleet(ctx, topo.Edge.MQTTURL(), FleetConfig{
		Devices: cfg.Devices,
		Rate:    cfg.Rate,
		Sensor: SensorConfig{
			Seed: cfg.Seed, MalformedShare: cfg.Malformed, AnomalyShare: cfg.Anomalies,
			LimitMC: alertLimitMC, IntervalMS: intervalMS, EpochMS: 1_767_225_600_000, MaxSkewMS: 400,
		},
	})
	if err != nil {
		return err
	}
	defer fleet.Close()
	n.Step("devices", "%d machines connected over MQTT 3.1.1 with QoS 1 and persistent sessions (seed %d)", cfg.Devices, cfg.Seed)

	p := &plant{n: n, topo: topo, fleet: fleet, ledger: topo.Gateway.Ledger(), cfg: cfg}
	for _, act := range []func(context.Context) error{p.linkUp, p.linkCut, p.edgeCrash, p.longOutage, p.audit} {
		if err := act(ctx); err != nil {
			return err
		}
	}
	return nil
}

// plant holds what the acts share.
type plant struct {
	n      *narrate.Narrator
	topo   *Topology
	fleet  *Fleet
	ledger *Ledger
	cfg    Config
}

// batch summarises payloads the devices published.
type batch struct {
	payloads                    []Payload
	valid, malformed, anomalies int
}

func summarise(ps []Payload) batch {
	b := batch{payloads: ps}
	for _, p := range ps {
		switch {
		case !p.Valid:
			b.malformed++
		case p.Anomaly:
			b.valid++
			b.anomalies++
		default:
			b.valid++
		}
	}
	return b
}

func (b batch) keys() []string {
	out := make([]string, len(b.payloads))
	for i, p := range b.payloads {
		out[i] = p.Key
	}
	return out
}

// publish has every device publish k payloads and waits until the gateway
// has decided about each.
func (p *plant) publish(ctx context.Context, k int) (batch, error) {
	ps, err := p.fleet.Publish(ctx, k)
	if err != nil {
		return batch{}, err
	}
	b := summarise(ps)
	p.narrateBatch(b)
	return b, p.decided(ctx, b)
}

func (p *plant) narrateBatch(b batch) {
	p.n.Step("devices", "published %d payloads: %d readings (%d over %d °C) and %d malformed",
		len(b.payloads), b.valid, b.anomalies, alertLimitMC/1000, b.malformed)
}

func (p *plant) decided(ctx context.Context, b batch) error {
	keys := b.keys()
	if err := p.ledger.Wait(ctx, func(l *Ledger) bool { return l.Decided(keys) }); err != nil {
		return fmt.Errorf("wait for the gateway: %w", err)
	}
	return nil
}

// caughtUp waits until the hub holds every accepted reading and the edge's
// uplinks are empty, and returns how long that took from start.
func (p *plant) caughtUp(ctx context.Context, start time.Time) (time.Duration, error) {
	want := uint64(p.ledger.Stats().Accepted)
	if err := p.topo.WaitAtHub(ctx, StreamHubTelemetry, want); err != nil {
		return 0, fmt.Errorf("wait for the hub to hold %d readings: %w", want, err)
	}
	took := time.Since(start)
	if err := p.topo.WaitDrained(ctx); err != nil {
		return 0, fmt.Errorf("wait for the edge to drain: %w", err)
	}
	return took, nil
}

// restoreLink restores the link, waits until the hub has every accepted
// reading, and returns how long the catch-up took and what the hub holds.
func (p *plant) restoreLink(ctx context.Context) (took time.Duration, total uint64, err error) {
	p.topo.Link.Restore()
	start := time.Now()
	p.n.Step("link", "restored")
	if err := p.topo.WaitLinked(ctx); err != nil {
		return 0, 0, err
	}
	if took, err = p.caughtUp(ctx, start); err != nil {
		return 0, 0, err
	}
	total, err = p.hubReadings(ctx)
	return took, total, err
}

func (p *plant) hubReadings(ctx context.Context) (uint64, error) {
	return p.topo.AtHub(ctx, StreamHubTelemetry)
}

// linkUp is act 1: everything flows, and the hub commands a machine.
func (p *plant) linkUp(ctx context.Context) error {
	p.n.Act("act 1: link up")
	before := p.ledger.Stats()
	if _, err := p.publish(ctx, p.cfg.Readings); err != nil {
		return err
	}
	if _, err := p.caughtUp(ctx, time.Now()); err != nil {
		return err
	}
	d := diff(p.ledger.Stats(), before)
	p.n.Step("gateway", "accepted %d readings, dead-lettered %d malformed payloads, raised %s",
		d.Accepted, d.Malformed, plural(d.Alerts, "alert"))
	held, err := p.hubReadings(ctx)
	if err != nil {
		return err
	}
	p.n.Step("hub", "HUB_TELEMETRY holds %d readings", held)

	target := p.fleet.Devices()[min(1, len(p.fleet.Devices())-1)].ID
	cmd := Command{ID: "cmd-1", Action: "identify", Issuer: "hub"}
	sends, err := NewDispatcher(p.topo.HubConn).Send(ctx, target, cmd, commandRetry, nil)
	if err != nil {
		return err
	}
	p.n.Step("hub", "command %s (%s) to %s across the leafnode link: acknowledged", cmd.ID, cmd.Action, target)
	p.n.Measure("hub", "command %s sent %d time(s) before its ack", cmd.ID, sends)
	return nil
}

// linkCut is act 2: the link is cut; the edge keeps ingesting, alerting
// and commanding locally, then catches up.
func (p *plant) linkCut(ctx context.Context) error {
	if p.cfg.Cuts == 1 {
		p.n.Act("act 2: leafnode link cut")
	} else {
		p.n.Act("act 2: leafnode link cut %d times", p.cfg.Cuts)
	}
	for i := 1; i <= p.cfg.Cuts; i++ {
		if err := p.cutOnce(ctx, i); err != nil {
			return err
		}
	}
	return nil
}

// cutOnce cuts the link, publishes an act's readings, restores the link and
// waits for the catch-up. The first cut also sends the hub's command.
func (p *plant) cutOnce(ctx context.Context, i int) error {
	hubBefore, err := p.hubReadings(ctx)
	if err != nil {
		return err
	}
	before := p.ledger.Stats()
	which := ""
	if p.cfg.Cuts > 1 {
		which = fmt.Sprintf(" (%d of %d)", i, p.cfg.Cuts)
	}
	p.n.Fault("link", "leafnode link edge <-> hub cut%s: both TCP connections dropped, redials refused", which)
	p.topo.Link.Cut()
	if err := p.topo.WaitUnlinked(ctx); err != nil {
		return err
	}
	p.n.Step("edge", "leafnode link down; MQTT, JetStream and the gateway carry on locally")

	// On the first cut the hub commands a machine it cannot reach: the
	// dispatcher resends until the link is back.
	withCommand := i == 1
	devices := p.fleet.Devices()
	target := devices[min(2, len(devices)-1)].ID
	cmd := Command{ID: "cmd-2", Action: "identify", Issuer: "hub"}
	resent := make(chan struct{})
	var sends int
	sendCtx, stopSending := context.WithCancel(ctx)
	var g errgroup.Group
	defer func() { stopSending(); _ = g.Wait() }() // on an early return
	if withCommand {
		g.Go(func() error {
			var err error
			sends, err = NewDispatcher(p.topo.HubConn).Send(sendCtx, target, cmd, commandRetry, func(n int) {
				if n == 2 {
					close(resent)
				}
			})
			return err
		})
	}

	b, err := p.publish(ctx, p.cfg.Readings)
	if err != nil {
		return err
	}
	d := diff(p.ledger.Stats(), before)
	p.n.Step("gateway", "accepted %d readings offline, dead-lettered %d malformed, raised %s offline",
		d.Accepted, d.Malformed, plural(d.Alerts, "alert"))
	if err := p.waitReflexes(ctx, b); err != nil {
		return err
	}
	p.n.Step("devices", "%s from the edge applied while offline", plural(b.anomalies, "cool-down command"))
	held, err := p.topo.Held(ctx, StreamTelemetry)
	if err != nil {
		return err
	}
	p.n.Step("edge", "buffer holds %d of at most %d readings, waiting for the hub", held, p.cfg.Buffer)
	hubNow, err := p.hubReadings(ctx)
	if err != nil {
		return err
	}
	p.n.Step("hub", "still %d readings: nothing crossed the cut link (%d before the cut)", hubNow, hubBefore)
	if withCommand {
		select {
		case <-resent:
		case <-ctx.Done():
			return ctx.Err()
		}
		p.n.Step("hub", "command %s to %s not acknowledged: resending every %s", cmd.ID, target, commandRetry)
	}

	took, total, err := p.restoreLink(ctx)
	if err != nil {
		return err
	}
	p.n.Step("hub", "caught up: HUB_TELEMETRY holds %d readings; the edge buffer is empty again", total)
	p.n.Measure("hub", "caught up %d readings in %s (%.0f readings/s)", d.Accepted, took.Round(time.Millisecond),
		float64(d.Accepted)/took.Seconds())
	if !withCommand {
		return nil
	}
	if err := g.Wait(); err != nil {
		return err
	}
	p.n.Step(target, "applied %s once and acknowledged it after the link came back", cmd.ID)
	p.n.Measure("hub", "command %s sent %d times", cmd.ID, sends)
	return nil
}

// waitReflexes waits until every device applied the cool-down command for
// each of its over-temperature readings in b.
func (p *plant) waitReflexes(ctx context.Context, b batch) error {
	return poll(ctx, func() (bool, error) {
		for _, pl := range b.payloads {
			if pl.Valid && pl.Anomaly && !p.fleet.Device(pl.Device).Applied(reflexCommand(Alert{Device: pl.Device, Seq: pl.Reading.Seq}).ID) {
				return false, nil
			}
		}
		return true, nil
	})
}

// edgeCrash is act 3: the edge server dies while devices publish, and comes
// back on the same file store.
func (p *plant) edgeCrash(ctx context.Context) error {
	p.n.Act("act 3: edge server crash and restart")
	before := p.ledger.Stats()
	var ps []Payload
	pubCtx, stopPublishing := context.WithCancel(ctx)
	var g errgroup.Group
	defer func() { stopPublishing(); _ = g.Wait() }() // on an early return
	g.Go(func() error {
		var err error
		ps, err = p.fleet.Publish(pubCtx, p.cfg.Readings)
		return err
	})
	crashAt := before.Accepted + max(1, p.cfg.Devices*p.cfg.Readings/3)
	if err := p.ledger.Wait(ctx, func(l *Ledger) bool { return l.Stats().Accepted >= crashAt }); err != nil {
		return err
	}
	p.n.Fault("edge", "nats-server %q stopped mid-stream, once a third of the act's readings were accepted (file store kept)", "edge")
	p.topo.Edge.Stop()
	if err := p.topo.RestartEdge(); err != nil {
		return err
	}
	start := time.Now()
	p.n.Step("edge", "restarted on the same ports and store; devices, gateway and the hub's source reconnect on their own")
	if err := g.Wait(); err != nil {
		return err
	}
	b := summarise(ps)
	p.narrateBatch(b)
	if err := p.decided(ctx, b); err != nil {
		return err
	}
	took, err := p.caughtUp(ctx, start)
	if err != nil {
		return err
	}
	d := diff(p.ledger.Stats(), before)
	p.n.Step("gateway", "accepted %d readings and dead-lettered %d malformed: every payload of the act",
		d.Accepted, d.Malformed)
	p.n.Measure("gateway", "copies removed by message ID: %d (resent by devices or redelivered after the crash)", d.Duplicates)
	total, err := p.hubReadings(ctx)
	if err != nil {
		return err
	}
	p.n.Step("hub", "caught up: HUB_TELEMETRY holds %d readings", total)
	p.n.Measure("hub", "caught up %s after the restart", took.Round(time.Millisecond))
	return nil
}

// longOutage is act 4: an outage longer than the buffer. The buffer fills,
// and what it refuses is dead-lettered with the reason, not dropped.
func (p *plant) longOutage(ctx context.Context) error {
	p.n.Act("act 4: outage longer than the buffer")
	before := p.ledger.Stats()
	p.n.Fault("link", "leafnode link cut for %d payloads per machine", p.cfg.Outage)
	p.topo.Link.Cut()
	if err := p.topo.WaitUnlinked(ctx); err != nil {
		return err
	}
	b, err := p.publish(ctx, p.cfg.Outage)
	if err != nil {
		return err
	}
	d := diff(p.ledger.Stats(), before)
	held, err := p.topo.Held(ctx, StreamTelemetry)
	if err != nil {
		return err
	}
	if d.Refused > 0 {
		p.n.Step("edge", "buffer full at %d of %d readings: the stream refuses more (discard new)", held, p.cfg.Buffer)
		p.n.Step("gateway", "accepted %d readings, refused %d: dead-lettered with the reason %q",
			d.Accepted, d.Refused, "edge buffer full")
	} else {
		p.n.Step("edge", "buffer holds %d of at most %d readings: the outage fit", held, p.cfg.Buffer)
	}
	p.n.Step("gateway", "raised %s for the %s, refused ones included",
		plural(d.Alerts, "alert"), plural(b.anomalies, "over-temperature reading"))
	took, total, err := p.restoreLink(ctx)
	if err != nil {
		return err
	}
	p.n.Step("hub", "caught up: HUB_TELEMETRY holds %d readings; the refused ones are in HUB_DLQ", total)
	p.n.Measure("hub", "caught up %d readings in %s", d.Accepted, took.Round(time.Millisecond))
	return nil
}

// audit flushes the open windows and checks the invariant against what the
// hub holds.
func (p *plant) audit(ctx context.Context) error {
	p.n.Act("audit at the hub")
	if _, err := p.topo.Gateway.Flush(ctx); err != nil {
		return err
	}
	if err := p.topo.WaitDrained(ctx); err != nil {
		return err
	}
	p.n.Step("gateway", "flushed the open windows; the edge holds nothing the hub has not confirmed")
	rec, err := ReadHub(ctx, p.topo.HubJS)
	if err != nil {
		return err
	}
	f := Audit{
		Published: p.fleet.Published(),
		Accepted:  p.ledger.Accepted(),
		Hub:       rec,
		WindowMS:  p.topo.Gateway.WindowMS(),
	}.Check()
	p.n.Check("exactly-once", len(f.ExactlyOnce) == 0,
		"%d readings accepted at the edge, %d at the hub, %d there twice, %d unknown", f.Accepted, f.AtHub, f.Twice, f.Unknown)
	p.n.Check("aggregates", len(f.Aggregates) == 0,
		"every window aggregate at the hub equals its recomputation from the hub's raw readings (%d wrong)", f.WindowsWrong)
	p.n.Measure("hub", "%d windows; %d aggregate messages, corrections included", f.Windows, rec.AggregateMsgs)
	p.n.Check("dead-letters", len(f.DeadLetters) == 0,
		"%d malformed payloads in HUB_DLQ, each with a reason (%d missing)", f.Malformed, f.MalformedMissing)
	p.n.Check("nothing-lost", len(f.Conservation) == 0,
		"every valid reading is at the hub or dead-lettered as refused: %d refused, %d lost", f.Refused, f.Lost)
	p.n.Check("alerts", len(f.AlertsOK) == 0,
		"%d over-temperature readings, one alert each at the hub (%d wrong)", f.Anomalies, f.AlertsMissing)
	if rec.ReadingBytes > 0 {
		p.n.Measure("hub", "downsampling: %d readings (%d bytes) summarised by %d aggregates (%d bytes): %.0f%% fewer bytes",
			len(rec.Readings), rec.ReadingBytes, rec.AggregateMsgs, rec.AggregateBytes,
			100*(1-float64(rec.AggregateBytes)/float64(rec.ReadingBytes)))
	}
	lat := p.fleet.ReflexLatencies()
	if len(lat) > 0 {
		p.n.Measure("edge", "reflex loop reading -> cool-down command at the machine: p50 %s, max %s over %d alerts",
			lat[len(lat)/2].Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond), len(lat))
	}
	p.n.Invariant(Invariant, f.Violations()...)
	return nil
}

// plural renders "1 alert", "2 alerts".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// diff is what happened between two ledger snapshots.
func diff(after, before LedgerStats) LedgerStats {
	return LedgerStats{
		Accepted:   after.Accepted - before.Accepted,
		Duplicates: after.Duplicates - before.Duplicates,
		Refused:    after.Refused - before.Refused,
		Late:       after.Late - before.Late,
		Malformed:  after.Malformed - before.Malformed,
		Alerts:     after.Alerts - before.Alerts,
		Reflexes:   after.Reflexes - before.Reflexes,
		Aggregates: after.Aggregates - before.Aggregates,
	}
}
