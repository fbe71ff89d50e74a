package edgeiot

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// Demo parameters that are not flags.
const (
	alertLimitMC = 90_000 // 90 °C
	windowMS     = 1_000  // one aggregate per machine per second of its clock
	intervalMS   = 100    // a reading every 100 ms of the machine's clock
	commandRetry = 250 * time.Millisecond
	// lossQuiet is how long a catch-up waits on a hub that stopped growing
	// although the edge has nothing left: only a run with a safeguard
	// switched off ever waits it out.
	lossQuiet = 2 * time.Second
)

// Invariant is the sentence the demo's last line states. Each part is a
// check of the audit, measured at the hub and against what the devices
// were acknowledged.
const Invariant = "every valid reading accepted at the edge reached the hub exactly once, and every other payload " +
	"is in the dead-letter stream with the reason; the edge buffer never held more than its limit; " +
	"the hub's aggregates equal those recomputed from its raw readings; every over-temperature reading raised one alert"

// Demo runs the plant: devices publish over MQTT to the edge, the edge
// processes locally and forwards to the hub; the link is cut, the edge
// server crashes between storing a reading and acknowledging it, and an
// outage outlasts the buffer; then an audit checks the invariant against
// what the hub really holds.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.deadline())
	defer cancel()
	if url := os.Getenv(natsembed.EnvURL); url != "" {
		n.Step("demo", "%s is set (%s) and not used: this demo owns its servers, it starts a hub and an edge nats-server in-process because it cuts the link between them",
			natsembed.EnvURL, natsembed.Redact(url))
	}

	lim := DefaultEdgeLimits()
	lim.Buffer = Limit{MaxMsgs: int64(cfg.Buffer), MaxBytes: int64(cfg.Buffer) * 1024}
	lim.InFlight = 32
	crash := &storeCrash{}
	n.Act("plant floor: %d CNC machines -> edge gateway -> hub", cfg.Devices)
	topo, err := StartTopology(ctx, TopologyConfig{
		Limits:     lim,
		Gateway:    GatewayConfig{WindowMS: windowMS, Detector: &Detector{LimitMC: alertLimitMC}, Reflex: true, AfterStore: crash.afterStore},
		Safeguards: cfg.safeguards(),
		Protect:    true,
	})
	if err != nil {
		return err
	}
	defer topo.Close()
	n.Step("hub", "nats-server %q with JetStream domain %q and a leafnode listener", "hub", topo.Hub.Domain)
	n.Step("edge", "nats-server %q with JetStream domain %q on file storage, an MQTT 3.1.1 listener and a leafnode link to the hub",
		"edge", topo.Edge.Domain)
	if cfg.BufferLimit {
		n.Step("edge", "store-and-forward buffer TELEMETRY: at most %d readings, discard %s", cfg.Buffer, map[bool]string{true: "new", false: "old"}[cfg.DiscardNew])
	} else {
		n.Step("edge", "store-and-forward buffer TELEMETRY: no limit")
	}
	n.Step("edge", "forwarder: sends TELEMETRY, EVENTS and DLQ to the hub and deletes a message at the edge only once the hub has acknowledged storing it")
	n.Step("hub", "HUB_TELEMETRY, HUB_EVENTS and HUB_DLQ store what the forwarder delivers, deduplicated by message ID")
	if err := refuseGuest(ctx, n, topo); err != nil {
		return err
	}

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

	p := &plant{n: n, topo: topo, fleet: fleet, ledger: topo.Gateway.Ledger(), cfg: cfg, crash: crash}
	p.cut = n.Plan("link", "leafnode link cut while the machines publish")
	p.crashFault = n.Plan("edge", "edge server crash after the gateway stored a reading, before its ack")
	p.outage = n.Plan("link", "outage longer than the buffer")
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
	crash  *storeCrash

	cut, crashFault, outage *narrate.PlannedFault
	outageAtHub             uint64 // readings the hub received from the outage's buffer
	guestPayloads           []string
	guestAcks               []guestAck // malformed acks the guest published
}

// guestAck is a malformed ack the guest published on a machine's ack topic.
type guestAck struct {
	device string
	body   []byte
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
	return b, p.decided(ctx, b.keys())
}

func (p *plant) narrateBatch(b batch) {
	p.n.Step("devices", "published %d payloads: %d readings (%d over %d °C) and %d malformed",
		len(b.payloads), b.valid, b.anomalies, alertLimitMC/1000, b.malformed)
}

func (p *plant) decided(ctx context.Context, keys []string) error {
	if err := p.ledger.Wait(ctx, func(l *Ledger) bool { return l.Decided(keys) }); err != nil {
		return fmt.Errorf("wait for the gateway: %w", err)
	}
	return nil
}

// caughtUp waits until the edge has forwarded everything and the hub holds
// every accepted reading (or stopped growing: see CatchUp), and returns how
// long that took from start and what the hub holds.
func (p *plant) caughtUp(ctx context.Context, start time.Time) (time.Duration, uint64, error) {
	got, err := p.topo.CatchUp(ctx, uint64(p.ledger.Stats().Accepted), lossQuiet)
	return time.Since(start), got, err
}

// restoreLink restores the link, waits for the catch-up, and returns how
// long it took and what the hub holds.
func (p *plant) restoreLink(ctx context.Context) (took time.Duration, total uint64, err error) {
	p.topo.Link.Restore()
	start := time.Now()
	p.n.Step("link", "restored")
	if err := p.topo.WaitLinked(ctx); err != nil {
		return 0, 0, err
	}
	return p.caughtUp(ctx, start)
}

func (p *plant) hubReadings(ctx context.Context) (uint64, error) {
	return p.topo.AtHub(ctx, StreamHubTelemetry)
}

// linkUp is act 1: everything flows, a guest device sends garbage, and the
// hub commands a machine.
func (p *plant) linkUp(ctx context.Context) error {
	p.n.Act("act 1: link up")
	before := p.ledger.Stats()
	if _, err := p.publish(ctx, p.cfg.Readings); err != nil {
		return err
	}
	if err := p.guestGarbage(ctx); err != nil {
		return err
	}
	_, held, err := p.caughtUp(ctx, time.Now())
	if err != nil {
		return err
	}
	d := diff(p.ledger.Stats(), before)
	p.n.Step("gateway", "accepted %d readings, dead-lettered %d malformed payloads, raised %s",
		d.Accepted, d.Malformed, plural(d.Alerts, "alert"))
	p.n.Step("hub", "HUB_TELEMETRY holds %d readings", held)

	target := p.fleet.Devices()[min(1, len(p.fleet.Devices())-1)].ID
	cmd := DeviceCommand{ID: "cmd-1", Action: "identify", Issuer: "hub"}
	dispatcher := NewDispatcher(p.topo.HubConn)
	var guestErr error
	sends, err := dispatcher.Send(ctx, target, cmd, commandRetry, func(n int) {
		if n == 1 { // the dispatcher listens for acks now: the guest's garbage comes before the device's ack
			guestErr = p.guestAck(ctx, target)
		}
	})
	if err != nil {
		return err
	}
	if guestErr != nil {
		return guestErr
	}
	p.n.Step("hub", "command %s (%s) to %s across the leafnode link: acknowledged", cmd.ID, cmd.Action, target)
	p.n.Step("hub", "the dispatcher dead-lettered %s on the way", plural(dispatcher.DeadLettered(), "malformed ack"))
	p.n.Measure("hub", "command %s sent %d time(s) before its ack", cmd.ID, sends)
	return nil
}

// guestGarbage has an MQTT client that is not one of the machines publish a
// payload that is no reading: the gateway must dead-letter it.
func (p *plant) guestGarbage(ctx context.Context) error {
	const device, body = guestDevice, "hello from a misconfigured sensor"
	c, err := connectGuestDevice(ctx, p.topo.Edge.MQTTURL(), device)
	if err != nil {
		return err
	}
	defer c.Disconnect(100)
	if err := wait(ctx, c.Publish(TelemetryTopic(device), 1, false, body)); err != nil {
		return fmt.Errorf("guest publish: %w", err)
	}
	key := MalformedKey("devices."+device+".telemetry", []byte(body))
	p.guestPayloads = append(p.guestPayloads, key)
	if err := p.decided(ctx, []string{key}); err != nil {
		return err
	}
	p.n.Step("guest", "an unknown MQTT client published %q on %s: the gateway decided %q", body, TelemetryTopic(device), outcomeOf(p.ledger, key))
	return nil
}

// guestAck has the guest publish a malformed ack on device's ack topic
// while the hub's dispatcher waits for the device's ack: the dispatcher
// must dead-letter it. It waits first until the dispatcher's interest has
// crossed the leafnode link, or the edge would route the ack nowhere.
func (p *plant) guestAck(ctx context.Context, device string) error {
	const body = "ack cmd-1"
	err := poll(ctx, func() (bool, error) {
		return p.topo.Edge.NATS().GlobalAccount().SubscriptionInterest(ackSubject(device)), nil
	})
	if err != nil {
		return fmt.Errorf("wait for the dispatcher's interest at the edge: %w", err)
	}
	c, err := connectGuestDevice(ctx, p.topo.Edge.MQTTURL(), guestDevice)
	if err != nil {
		return err
	}
	defer c.Disconnect(100)
	topic := fmt.Sprintf(topicAcks, device)
	if err := wait(ctx, c.Publish(topic, 1, false, body)); err != nil {
		return fmt.Errorf("guest publish: %w", err)
	}
	p.guestAcks = append(p.guestAcks, guestAck{device: device, body: []byte(body)})
	p.n.Step("guest", "the unknown MQTT client published %q on %s, the ack topic of %s", body, topic, device)
	return nil
}

func outcomeOf(l *Ledger, key string) Outcome {
	o, _ := l.Outcome(key)
	return o
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
	p.cut.Fire("leafnode link edge <-> hub cut%s: both TCP connections dropped, redials refused", which)
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
	cmd := DeviceCommand{ID: "cmd-2", Action: "identify", Issuer: "hub"}
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
	p.n.Step("edge", "buffer holds %d readings, waiting for the hub", held)
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

// edgeCrash is act 3: the edge server dies while devices publish, just
// after the gateway stored a reading and before it acknowledged the MQTT
// message, and comes back on the same file store. The payload comes again:
// message IDs keep the second store from being a second reading.
func (p *plant) edgeCrash(ctx context.Context) error {
	p.n.Act("act 3: edge server crash between a store and its ack")
	before := p.ledger.Stats()
	first := p.fleet.Devices()[0]
	// The crash comes after the first reading of the first machine stored
	// once a third of its act's readings are out: which one that is depends
	// only on the seed.
	fromSeq := uint64(p.cfg.Readings*(1+p.cfg.Cuts) + max(1, p.cfg.Readings/3))
	hit := p.crash.arm(first.ID, fromSeq)

	var ps []Payload
	pubCtx, stopPublishing := context.WithCancel(ctx)
	var g errgroup.Group
	defer func() { stopPublishing(); _ = g.Wait() }() // on an early return
	published := make(chan struct{})
	g.Go(func() error {
		defer close(published)
		var err error
		ps, err = p.fleet.Publish(pubCtx, p.cfg.Readings)
		return err
	})
	var crashed string
	select {
	case crashed = <-hit:
	case <-published:
		// Acknowledged by the broker, not yet decided by the gateway: the
		// crash point may still come, or never (no valid reading of the
		// first machine after fromSeq). Poll: the gateway is held in the
		// seam when it comes, so no ledger change would wake a waiter.
		keys := summarise(ps).keys()
		err := poll(ctx, func() (bool, error) { return len(hit) > 0 || p.ledger.Decided(keys), nil })
		if err != nil {
			return err
		}
		crashed = p.crash.disarm()
	case <-ctx.Done():
		return ctx.Err()
	}
	if crashed != "" {
		p.crashFault.Fire("nats-server %q stopped just after the gateway stored %s and before it acknowledged its MQTT message (file store kept)", "edge", crashed)
		p.topo.Edge.Stop()
		if err := p.topo.RestartEdge(); err != nil {
			return err
		}
		p.crash.release()
		p.n.Step("edge", "restarted on the same ports and store; devices, gateway and forwarder reconnect on their own")
	}
	start := time.Now()
	if err := g.Wait(); err != nil {
		return err
	}
	b := summarise(ps)
	p.narrateBatch(b)
	if err := p.decided(ctx, b.keys()); err != nil {
		return err
	}
	if crashed != "" {
		// The landing stream delivers the unacknowledged payload again.
		if err := p.ledger.Wait(ctx, func(l *Ledger) bool { n, _ := l.Stores(crashed); return n >= 2 }); err != nil {
			return fmt.Errorf("wait for %s to come again: %w", crashed, err)
		}
		p.n.Step("gateway", "%s came again (its ack was lost) and was stored again", crashed)
		// Whether the edge's stream still knew the message ID depends on
		// whether the first copy was forwarded (and deleted) before the
		// crash: a restarted stream rebuilds its duplicate window from the
		// messages it still holds. The hub is the second line.
		_, removed := p.ledger.Stores(crashed)
		p.n.Measure("edge", "TELEMETRY answered the second store of %s as a duplicate: %t", crashed, removed)
	}
	took, total, err := p.caughtUp(ctx, start)
	if err != nil {
		return err
	}
	d := diff(p.ledger.Stats(), before)
	p.n.Step("gateway", "accepted %d readings and dead-lettered %d malformed: every payload of the act",
		d.Accepted, d.Malformed)
	p.n.Measure("gateway", "payloads of readings already stored that came again (resent by devices or delivered again after the crash): %d", d.Duplicates)
	p.n.Step("hub", "caught up: HUB_TELEMETRY holds %d readings", total)
	p.n.Measure("hub", "caught up %s after the restart", took.Round(time.Millisecond))
	if crashed != "" {
		copies, err := p.hubCopies(ctx, first.ID, crashed)
		if err != nil {
			return err
		}
		p.n.Step("hub", "HUB_TELEMETRY holds %s %s", crashed, times(copies))
	}
	return nil
}

// longOutage is act 4: an outage longer than the buffer. The buffer fills,
// and what it refuses is dead-lettered with the reason, not dropped.
func (p *plant) longOutage(ctx context.Context) error {
	p.n.Act("act 4: outage longer than the buffer")
	before := p.ledger.Stats()
	hubBefore, err := p.hubReadings(ctx)
	if err != nil {
		return err
	}
	p.outage.Fire("leafnode link cut for %d payloads per machine (%d in all, the buffer holds %d)",
		p.cfg.Outage, p.cfg.Outage*p.cfg.Devices, p.cfg.Buffer)
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
	if d.Refused+d.Dropped > 0 {
		p.n.Step("edge", "buffer full at %d readings: the stream refuses more", held)
	} else {
		p.n.Step("edge", "buffer holds %d readings: nothing refused", held)
	}
	switch {
	case d.Refused > 0:
		p.n.Step("gateway", "accepted %d readings, refused %d: dead-lettered with the reason %q", d.Accepted, d.Refused, "edge buffer full")
	case d.Dropped > 0:
		p.n.Step("gateway", "accepted %d readings, refused %d: dropped without a dead letter", d.Accepted, d.Dropped)
	default:
		p.n.Step("gateway", "accepted %d readings", d.Accepted)
	}
	p.n.Step("gateway", "raised %s for the %s, refused ones included",
		plural(d.Alerts, "alert"), plural(b.anomalies, "over-temperature reading"))
	_, total, err := p.restoreLink(ctx)
	if err != nil {
		return err
	}
	p.outageAtHub = total - hubBefore
	p.n.Step("hub", "caught up: HUB_TELEMETRY holds %d readings, %d of them from the outage's buffer", total, p.outageAtHub)
	return nil
}

// audit flushes the open windows and checks the invariant against what the
// hub holds.
func (p *plant) audit(ctx context.Context) error {
	p.n.Act("audit at the hub")
	if err := p.topo.WaitIngested(ctx); err != nil {
		return err
	}
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
	p.n.Step("hub", "dead letters in HUB_DLQ by device: %s; %s", deadLetterSummary(rec, OutcomeMalformed), deadLetterSummary(rec, OutcomeMalformedAck))
	p.n.Measure("hub", "refused readings in HUB_DLQ by device: %s", deadLetterSummary(rec, OutcomeRefused))
	p.n.Check("exactly-once", len(f.ExactlyOnce) == 0,
		"%d readings accepted at the edge, %d at the hub, %d there twice, %d unknown", f.Accepted, f.AtHub, f.Twice, f.Unknown)
	p.n.Check("nothing-lost", len(f.Conservation) == 0,
		"every valid reading is at the hub or dead-lettered as refused: %d refused, %d lost", f.Refused, f.Lost)
	p.n.Check("dead-letters", len(f.DeadLetters) == 0 && p.guestDeadLettered(rec),
		"%d malformed payloads of the machines, the guest's %d and its %s in HUB_DLQ, each with a reason (%d missing)",
		f.Malformed, len(p.guestPayloads), plural(len(p.guestAcks), "malformed ack"), f.MalformedMissing+p.guestMissing(rec))
	bufferOK := p.outageAtHub <= uint64(p.cfg.Buffer)
	p.n.Check("buffer-bound", bufferOK,
		"the hub received %d readings from the outage's buffer, at most its limit of %d", p.outageAtHub, p.cfg.Buffer)
	p.n.Check("aggregates", len(f.Aggregates) == 0,
		"every window aggregate at the hub equals its recomputation from the hub's raw readings (%d wrong)", f.WindowsWrong)
	p.n.Measure("hub", "%d windows; %d aggregate messages, corrections included", f.Windows, rec.AggregateMsgs)
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
	violations := f.Violations()
	if !bufferOK {
		violations = append(violations, fmt.Sprintf("the edge buffer held %d readings during the outage, over its limit of %d",
			p.outageAtHub, p.cfg.Buffer))
	}
	if p.guestMissing(rec) > 0 {
		violations = append(violations, fmt.Sprintf("%d of the guest's malformed payloads and acks are not in the dead-letter stream", p.guestMissing(rec)))
	}
	p.n.Invariant(Invariant, violations...)
	return nil
}

// guestMissing counts the guest's payloads that are not in the hub's
// dead-letter stream as malformed, and its acks that are not there as
// malformed acks of the device whose topic they were on, with a reason.
func (p *plant) guestMissing(rec HubRecord) int {
	missing := max(0, len(p.guestPayloads)-rec.DeadLettersByDevice()[guestDevice][OutcomeMalformed])
	for _, a := range p.guestAcks {
		found := false
		for _, dl := range rec.DeadLetters {
			if dl.Kind == OutcomeMalformedAck && dl.Device == a.device && dl.Topic == ackSubject(a.device) &&
				string(dl.Payload) == string(a.body) && strings.TrimSpace(dl.Reason) != "" {
				found = true
				break
			}
		}
		if !found {
			missing++
		}
	}
	return missing
}

func (p *plant) guestDeadLettered(rec HubRecord) bool { return p.guestMissing(rec) == 0 }

// deadLetterSummary renders the dead letters of one kind per device, as
// the hub holds them: "cnc-01 2, cnc-03 1".
func deadLetterSummary(rec HubRecord, kind Outcome) string {
	var parts []string
	for device, kinds := range rec.DeadLettersByDevice() {
		if n := kinds[kind]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", device, n))
		}
	}
	if len(parts) == 0 {
		return "none " + string(kind)
	}
	sort.Strings(parts)
	return string(kind) + ": " + strings.Join(parts, ", ")
}

// hubCopies counts the copies of reading id in the hub's log of device.
func (p *plant) hubCopies(ctx context.Context, device, id string) (int, error) {
	log, err := HubLog(ctx, p.topo.HubJS, device)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range log {
		if r.ID() == id {
			n++
		}
	}
	return n, nil
}

// times renders "once", "twice", "3 times".
func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
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
		Dropped:    after.Dropped - before.Dropped,
		Rejections: after.Rejections - before.Rejections,
		Alerts:     after.Alerts - before.Alerts,
		Reflexes:   after.Reflexes - before.Reflexes,
		Aggregates: after.Aggregates - before.Aggregates,
	}
}
