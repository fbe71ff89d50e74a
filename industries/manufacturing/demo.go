package manufacturing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/patternlab/patternlab/industries/manufacturing/edge"
	"github.com/patternlab/patternlab/industries/manufacturing/oee"
	"github.com/patternlab/patternlab/industries/manufacturing/plant"
	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"
	"github.com/patternlab/patternlab/patterns/operator"
)

// The scheduled faults: who, and when (intervals of the run, 1-based).
const (
	cutPlant     = "plant-a" // its WAN link is down for its whole second shift
	restartPlant = "plant-b" // its line controller (the gateway process) restarts mid-shift 2
	restartAfter = "b-l2-m2" // with this machine's reading stored and not acknowledged
	floodMachine = "b-l1-m3" // its firmware floods malformed readings in shift 1
	shifts       = 3
)

// Demo runs the narrated demo: three shifts of two plants, plant a's WAN
// link down for the second, plant b's line controller crashing mid-shift 2
// and its edge server restarting mid-shift 3, one machine flooding
// malformed readings, and a bearing failing in each plant; then the audit against the edges' archives and the machines'
// clocks.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	floor := plant.DefaultFloor()
	per := floor.IntervalsPerShift()
	shiftWall := time.Duration(per) * cfg.Pace
	sys := SystemConfig{
		Floor: floor, Behaviour: plant.DefaultBehaviour(cfg.Seed), Rule: edge.DefaultRule(),
		Window: cfg.Window, HubRate: cfg.HubRate, AckWait: time.Second, Retry: 100 * time.Millisecond, Pace: cfg.Pace,
		// message IDs and stop commands must outlast the longest outage, a shift
		DupWindow: 2*shiftWall + time.Minute, CommandDeadline: 2*shiftWall + time.Minute,
		LocalStop: cfg.LocalStop, Dedupe: cfg.Dedupe, CreditWindow: cfg.CreditWindow, Lockstep: true,
	}
	restartAt := uint64(per + per/2)
	var restart restartSeam
	sys.AfterStore = restart.hook(restartPlant, restartAt)

	n.Act("the plants")
	for _, p := range floor.Plants {
		n.Step(p.ID, "%d lines of %d machines, a reading every %v of plant time, %d shifts of %v played at %v an interval",
			len(p.Lines), len(p.Lines[0].Machines), floor.Interval, shifts, floor.Shift, cfg.Pace)
	}
	r := sys.Rule
	n.Step("edge", "anomaly rule: EWMA (weight %.2f) of each running machine's vibration and temperature, stop the line at z ≥ %.0f; budget %v", r.Alpha, r.Threshold, cfg.Budget)
	n.Step("hub", "live OEE per line and shift from the forwarded readings, through a credit window of W = %d at %.0f readings/s", cfg.Window, cfg.HubRate)
	for _, sw := range []struct {
		on   bool
		text string
	}{
		{!cfg.LocalStop, "SWITCH -local-stop=false: the edges report anomalies and the hub decides, across the WAN"},
		{!cfg.Dedupe, "SWITCH -dedupe=false: no message IDs, and the hub counts every copy"},
		{!cfg.CreditWindow, "SWITCH -credit-window=false: the hub's OEE consumer asks for the whole backlog at once"},
	} {
		if sw.on {
			n.Step("lab", "%s", sw.text)
		}
	}

	n.Act("the servers")
	if url := os.Getenv(natsembed.EnvURL); url != "" {
		n.Step("demo", "%s is set (%s) and not used: this demo owns its servers, it starts the hub and each plant's edge nats-server in-process because it cuts and restarts them",
			natsembed.EnvURL, natsembed.Redact(url))
	}
	s, err := StartSystem(ctx, sys)
	if err != nil {
		return err
	}
	defer s.Close()
	n.Step("hub", "embedded nats-server (JetStream domain hub); only the module's users may publish on %s", strings.Join(edgeiot.HubProtected, ", "))
	n.Step("hub", "the edges' links may not publish %s into it: no plant reaches the hub's streams or the sites' registry", strings.Join(edgeiot.EdgeLinkDenied, ", "))
	for _, site := range s.Sites {
		n.Step(site.Plant.ID, "edge gateway: embedded nats-server (domain %s) with its MQTT listener, linked to the hub; %d machines connected over MQTT",
			site.Plant.ID, len(floor.Machines(site.Plant.ID)))
	}

	n.Act("the EdgeSites")
	decl, err := DeclareSites(ctx, floor, s.HubJS, s.Hub.LeafAddr(), "8Mi", time.Minute)
	if err != nil {
		return fmt.Errorf("EdgeSites: %w", err)
	}
	defer decl.Close()
	n.Step("operator", "envtest's kube-apiserver and etcd; the operator runs as user %q, bound to its generated role", operator.OperatorUser)
	for i, key := range decl.Keys {
		n.Step("operator", "EdgeSite %s applied (plant %s, leafnode to the hub, forwards telemetry.>, events.>, dlq.>, keeps 8Mi): Ready", key.Name, key.Name)
		n.Measure("operator", "EdgeSite %s Ready in %v", key.Name, decl.Ready[i].Round(time.Millisecond))
	}
	n.Step("operator", "envtest runs no pods: each Deployment describes the gateway this process runs")

	cut := n.Plan(cutPlant, "the WAN link down for shift 2")
	flood := n.Plan(floodMachine, "a flood of malformed readings")
	restarted := n.Plan(restartPlant, "the gateway restarts mid-shift, a reading stored and not acknowledged")
	rebooted := n.Plan(restartPlant, "the edge server restarts mid-shift, readings on their way to the hub")
	lab := &labFaults{n: n}
	lab.offer(s)
	// The hub's in-flight count is sampled from the first interval to the
	// settled end: a catch-up the lab causes counts as much as the scheduled one.
	var peak inFlightPeak
	peak.start(ctx, s, 5*time.Millisecond)
	reported := map[string]bool{}
	for sh := 1; sh <= shifts; sh++ {
		n.Act("shift %d", sh)
		for i := (sh-1)*per + 1; i <= sh*per; i++ {
			if err := lab.apply(ctx, s); err != nil {
				return err
			}
			switch {
			case i == per+1:
				a := s.Site(cutPlant)
				a.Edge.Link.Cut()
				lab.scheduled(false)
				if err := a.Edge.WaitUnlinked(ctx); err != nil {
					return err
				}
				cut.Fire("the WAN link is cut for the whole shift: the edge keeps working on its own")
			case i == 2*per+1:
				a := s.Site(cutPlant)
				held, _ := a.Edge.Held(ctx, edgeiot.StreamTelemetry)
				n.Step(cutPlant, "link restored: the shift's readings waiting at the edge are forwarded, a catch-up burst")
				n.Measure(cutPlant, "%d readings waiting at the edge", held)
				a.Edge.Link.Restore()
				lab.scheduled(true)
			case i == per/2:
				flaws, err := s.Site("plant-b").Floor.Flood(ctx, floodMachine, 0, cfg.Flood)
				if err != nil {
					return err
				}
				flood.Fire("firmware fault: %d malformed readings (%s)", len(flaws), strings.Join(plant.Flaws, ", "))
			}
			if err := s.Interval(ctx); err != nil {
				return err
			}
			if i == 2*per+per/2 {
				if err := s.Site(restartPlant).Edge.RestartEdge(); err != nil {
					return err
				}
				rebooted.Fire("the edge's nats-server restarts mid-shift with readings on their way to the hub; it keeps its file store")
			}
			if uint64(i) == restartAt {
				if err := restart.crash(ctx, s.Site(restartPlant)); err != nil {
					return err
				}
				restarted.Fire("the line controller (the edge gateway's process) crashes mid-shift with reading %s stored and not acknowledged, and restarts", restart.reading)
			}
		}
		narrateStops(n, s, reported)
	}
	lab.withdraw()
	if err := lab.apply(ctx, s); err != nil { // what was requested after the last interval
		return err
	}
	lab.restoreLink(n, s)

	n.Act("the catch-up")
	settle, cancel := context.WithTimeout(ctx, time.Minute+3*shiftWall)
	defer cancel()
	settleErr := s.WaitSettled(settle)
	peakDelivered, peakWaiting := peak.stop()
	n.Check("settled", settleErr == nil, "every archived reading at the hub and handled: %v", orOK(settleErr))
	for _, site := range s.Sites {
		if t := site.Controller.Tally(); t.Retried > 0 {
			n.Measure(site.Plant.ID, "line controller: %d payloads left for a redelivery after a failed store (last: %s)", t.Retried, t.LastErr)
		}
	}
	n.Measure("hub", "catch-up: the OEE consumer held at most %d readings delivered and unacknowledged, with up to %d waiting in the stream", peakDelivered, peakWaiting)

	n.Act("the audit")
	// Converged, not converged at this instant: under load the operator's
	// resync can find the hub slow and report an EdgeSite not Ready until
	// its next pass (seen once in a flake-hunt run at a load average of 30).
	took, err := operator.WaitConverged(ctx, time.Minute, decl.Drift)
	drift := ""
	if errors.Is(err, operator.ErrNotConverged) {
		drift, err = ": "+err.Error(), nil
	}
	if err != nil {
		return err
	}
	n.Check("edgesites", drift == "", "%d EdgeSites converged: ConfigMap, Deployment, Service and the hub registration as the spec asks (operator.Drift)%s",
		len(decl.Keys), drift)
	n.Measure("operator", "EdgeSites converged %v into the audit", took.Round(time.Millisecond))
	return audit(ctx, n, s, cfg, peakDelivered)
}

func orOK(err error) string {
	if err == nil {
		return "done"
	}
	return err.Error()
}

// narrateStops tells the stop events raised since the last call, plant by
// plant in the order raised.
func narrateStops(n *narrate.Narrator, s *System, reported map[string]bool) {
	for _, site := range s.Sites {
		for _, e := range site.Controller.Stops() {
			if reported[e.ID] {
				continue
			}
			reported[e.ID] = true
			how := "stops line " + e.Line + " at once, without the hub"
			if e.Kind == edge.KindAnomaly {
				how = "reports it to the hub, which decides"
			}
			n.Step(site.Plant.ID, "anomaly on %s: reading %s, %s z = %.1f ≥ %.0f; the edge %s", e.Machine, e.Reading, e.Signal, e.Z, s.cfg.Rule.Threshold, how)
		}
	}
}

// audit checks the invariant against the edges' archives, the hub's
// streams and the machines' own clocks.
func audit(ctx context.Context, n *narrate.Narrator, s *System, cfg Config, peak int) error {
	f, err := s.Audit(ctx, cfg.Budget)
	if err != nil {
		return err
	}
	n.Step("audit", "read back %d raw readings from the edges' archives and recomputed OEE per line and shift", f.Raw)
	for _, k := range oee.SortedKeys(f.Want) {
		n.Measure("oee", "%v: %s", k, f.Want[k])
	}
	n.Check("oee", len(f.OEE) == 0, "%d line-shifts, the hub's live OEE equal to the recomputation", len(f.Want))
	n.Check("stops", len(f.StopsOff) == 0, "%d stop events in the edges' archives, each at the hub once", len(f.Stops))
	for _, l := range f.Latencies {
		n.Measure("latency", "%s: line told to stop %v after the reading, by the %s", l.Stop, l.Worst.Round(time.Millisecond), l.Issuer)
	}
	n.Check("stop budget", len(f.Late) == 0, "every line told to stop within %v of the anomalous reading", cfg.Budget)
	bound := cfg.Window
	n.Check("hub memory", peak <= bound, "the OEE consumer held at most W = %d readings during the catch-up (the hub's count)", bound)

	letters, err := deadletter.Read(ctx, s.HubJS, edgeiot.StreamHubDeadLetter)
	if err != nil {
		return err
	}
	byMachine, reasons := map[string]int{}, map[string]bool{}
	for _, l := range letters {
		if l.Reason == "" || edgeiot.Outcome(l.Header.Get(edgeiot.HeaderKind)) != edgeiot.OutcomeMalformed {
			continue
		}
		byMachine[l.Header.Get(edgeiot.HeaderDevice)]++
		reasons[strings.SplitN(l.Reason, ":", 2)[0]] = true
	}
	n.Check("dead letters", byMachine[floodMachine] == cfg.Flood && len(byMachine) == 1,
		"%d malformed readings from %s at the hub's dead letters, each with its reason (%d kinds)", byMachine[floodMachine], floodMachine, len(reasons))
	v := f.Violations()
	if peak > bound {
		v = append(v, fmt.Sprintf("%d readings in flight at the hub's OEE consumer during the catch-up, over W = %d", peak, bound))
	}
	n.Invariant(Invariant, v...)
	return nil
}

// restartSeam leaves one reading of one plant unacknowledged, as an edge
// crash between storing it and acknowledging it would, and restarts that
// edge once the controller has reached it.
type restartSeam struct {
	once    sync.Once
	hit     chan struct{}
	reading string
}

func (r *restartSeam) hook(plantID string, seq uint64) func(string, plant.Reading) bool {
	r.hit = make(chan struct{})
	return func(p string, rd plant.Reading) bool {
		if p != plantID || rd.Seq != seq || rd.Machine != restartAfter {
			return false
		}
		fired := false
		r.once.Do(func() { r.reading, fired = rd.ID(), true; close(r.hit) })
		return fired
	}
}

func (r *restartSeam) crash(ctx context.Context, site *Site) error {
	select {
	case <-r.hit:
	case <-ctx.Done():
		return ctx.Err()
	}
	return site.RestartController()
}

// inFlightPeak samples the hub OEE consumer's in-flight count, as the hub's
// server reports it, while the catch-up lasts.
type inFlightPeak struct {
	mu                 sync.Mutex
	delivered, waiting int
	done               chan struct{}
	stopped            chan struct{}
}

func (p *inFlightPeak) start(ctx context.Context, s *System, every time.Duration) {
	p.done, p.stopped = make(chan struct{}), make(chan struct{})
	go func() { // owned by p: stop ends it
		defer close(p.stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if d, w, err := s.OEE.InFlight(ctx); err == nil {
				p.mu.Lock()
				p.delivered, p.waiting = max(p.delivered, d), max(p.waiting, int(w))
				p.mu.Unlock()
			}
			select {
			case <-p.done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (p *inFlightPeak) stop() (delivered, waiting int) {
	if p.done != nil {
		close(p.done)
		<-p.stopped
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.delivered, p.waiting
}
