package edgeiot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/kit/narrate"
)

// The faults the demo offers on demand from act 1 to the audit (the lab's
// fault buttons). The audit judges the run as without a click: every
// reading accepted at the edge is at the hub exactly once, whatever was cut
// or restarted when.
const (
	// FaultCutLink cuts the leafnode link now; the edge keeps ingesting.
	FaultCutLink = "cut-link"
	// FaultRestoreLink restores a link cut in the lab.
	FaultRestoreLink = "restore-link"
	// FaultRestartEdge stops the edge server while the machines next
	// publish and starts it again on the same ports and store: the readings
	// in flight (stored and not acknowledged, or not stored yet) must
	// neither be lost nor arrive twice.
	FaultRestartEdge = "restart-edge"
)

// LabCutMax is how long an act that needs the link waits for restore-link
// before it restores the link itself.
const LabCutMax = 15 * time.Second

// onDemand is the learner's faults and the acts' own use of the link.
type onDemand struct {
	p *plant

	mu        sync.Mutex
	open      bool
	cut       bool      // the lab cut the link
	cutAt     time.Time // when
	scheduled string    // the act whose own cut holds the link down ("" when none)
	needs     string    // what the act is waiting for over the link ("" when nothing)
	restart   *narrate.PlannedFault
	publishes int // the acts' publishes still to come
}

func (p *plant) offer() (withdraw func()) {
	o := p.lab
	o.mu.Lock()
	o.open = true
	o.publishes = 2 + p.cfg.Cuts // act 1, each cut of act 2, act 4
	o.mu.Unlock()
	p.n.Offer(FaultCutLink, "link", "cut the leafnode link edge <-> hub now: the edge stores and forwards once it is back", o.cutLink)
	p.n.Offer(FaultRestoreLink, "link", "restore the link the lab cut", o.restoreLink)
	p.n.Offer(FaultRestartEdge, "edge", "stop the edge server while the machines next publish and start it again on the same store", o.requestRestart)
	var once sync.Once
	return func() {
		once.Do(func() {
			for _, f := range []string{FaultCutLink, FaultRestoreLink, FaultRestartEdge} {
				p.n.Withdraw(f)
			}
			o.mu.Lock()
			o.open = false
			o.mu.Unlock()
		})
	}
}

func (o *onDemand) cutLink() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case !o.open:
		return errors.New("too late: the audit has begun")
	case o.scheduled != "":
		return fmt.Errorf("the link is already down: %s cut it", o.scheduled)
	case o.cut:
		return errors.New("the link is already down: cut in the lab")
	case o.needs != "":
		return fmt.Errorf("not now: %s is under way over the link; press it again once it is over", o.needs)
	}
	o.p.topo.Link.Cut()
	o.cut, o.cutAt = true, time.Now()
	o.p.n.Fault("link", "leafnode link edge <-> hub cut (requested): both TCP connections dropped, redials refused until restore-link")
	return nil
}

func (o *onDemand) restoreLink() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case o.scheduled != "":
		return fmt.Errorf("%s cut the link: it restores it itself", o.scheduled)
	case !o.cut:
		return errors.New("the link is up")
	}
	o.restoreLocked("requested")
	return nil
}

func (o *onDemand) restoreLocked(by string) {
	o.p.topo.Link.Restore()
	o.cut = false
	o.p.n.Step("link", "restored (%s) after %s: the edge forwards what it stored meanwhile", by, time.Since(o.cutAt).Round(time.Millisecond))
}

// requestRestart plans a restart of the edge server for the next publish.
func (o *onDemand) requestRestart() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case !o.open:
		return errors.New("too late: the audit has begun")
	case o.restart != nil:
		return errors.New("a restart is already requested for the next publish")
	case o.publishes == 0:
		return errors.New("too late: the machines publish no more in this run")
	}
	o.restart = o.p.n.Plan("edge", "edge server restart requested for the next publish")
	return nil
}

// needLink is called before an act waits for something that crosses the
// link (the hub's catch-up, a command): if the lab cut it, the act waits
// for restore-link, at most LabCutMax, then restores it itself. Until
// done is called the link may not be cut from the lab.
func (o *onDemand) needLink(ctx context.Context, what string) (done func(), err error) {
	if o == nil {
		return func() {}, nil
	}
	o.mu.Lock()
	if o.cut {
		o.p.n.Step("link", "%s needs the link the lab cut: waiting for restore-link, at most %s", what, LabCutMax)
		deadline := time.Now().Add(LabCutMax)
		for o.cut && time.Now().Before(deadline) {
			o.mu.Unlock()
			select {
			case <-time.After(10 * time.Millisecond):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			o.mu.Lock()
		}
		if o.cut {
			o.restoreLocked("by the act, which cannot go on without it")
		}
	}
	o.needs = what
	o.mu.Unlock()
	return func() {
		o.mu.Lock()
		o.needs = ""
		o.mu.Unlock()
	}, nil
}

// scheduledCut marks an act's own cut: a lab cut still in place becomes
// the act's (its restore restores both); the returned end is called once
// the act restored the link.
func (o *onDemand) scheduledCut(act string) (end func()) {
	if o == nil {
		return func() {}
	}
	o.mu.Lock()
	if o.cut {
		o.cut = false
		o.p.n.Step("link", "the link the lab cut stays down: it is %s's cut now", act)
	}
	o.scheduled = act
	o.mu.Unlock()
	return func() {
		o.mu.Lock()
		o.scheduled = ""
		o.mu.Unlock()
	}
}

// publishing is called as an act's publish begins; it returns the
// requested restart, if any, which the act then fires mid-publish.
func (o *onDemand) publishing() *narrate.PlannedFault {
	if o == nil {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.publishes = max(0, o.publishes-1)
	f := o.restart
	o.restart = nil
	return f
}

// publishRestarting has every device publish k payloads, and the edge
// server restart once a third of them were decided: with QoS 1, what the
// devices sent and the server had not acknowledged is sent again.
func (p *plant) publishRestarting(ctx context.Context, k int, restart *narrate.PlannedFault) ([]Payload, error) {
	before := p.ledger.Stats()
	var ps []Payload
	pubCtx, stop := context.WithCancel(ctx)
	defer stop()
	var g errgroup.Group
	published := make(chan struct{})
	g.Go(func() error {
		defer close(published)
		var err error
		ps, err = p.fleet.Publish(pubCtx, k)
		return err
	})
	third := max(1, p.cfg.Devices*k/3)
	err := poll(ctx, func() (bool, error) {
		select {
		case <-published:
			return true, nil
		default:
		}
		s := diff(p.ledger.Stats(), before)
		return s.Accepted+s.Malformed+s.Refused+s.Dropped >= third, nil
	})
	if err != nil {
		stop()
		_ = g.Wait()
		return nil, err
	}
	s := diff(p.ledger.Stats(), before)
	restart.Fire("nats-server %q stopped while the machines publish (requested), %d of their %d payloads decided: its file store is kept",
		"edge", s.Accepted+s.Malformed+s.Refused+s.Dropped, p.cfg.Devices*k)
	p.topo.Edge.Stop()
	if err := p.topo.RestartEdge(); err != nil {
		stop()
		_ = g.Wait()
		return nil, err
	}
	p.n.Step("edge", "restarted on the same ports and store; devices, gateway and forwarder reconnect on their own")
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// The acts read the edge's streams next: wait until its JetStream answers.
	err = poll(ctx, func() (bool, error) {
		_, err := p.topo.Held(ctx, StreamTelemetry)
		return err == nil, nil
	})
	return ps, err
}

// reflexGrace is how long an act waits for the cool-down commands of a
// publish that a requested restart struck.
const reflexGrace = 10 * time.Second

// reflexesAfterRestart waits, at most reflexGrace, for the cool-down
// commands of b's over-temperature readings, and names those that had not
// come by then (one run in three or so under load, a command never came
// and the act waited until the demo's deadline). The alerts themselves are
// stored in EVENTS and the audit checks them at the hub; a reflex is a
// local command, a core NATS publish: at most once.
func (p *plant) reflexesAfterRestart(ctx context.Context, b batch) error {
	wctx, cancel := context.WithTimeout(ctx, reflexGrace)
	defer cancel()
	if err := p.waitReflexes(wctx, b); err != nil && ctx.Err() != nil {
		return err
	}
	var missing []string
	for _, pl := range b.payloads {
		if pl.Valid && pl.Anomaly {
			id := reflexCommand(Alert{Device: pl.Device, Seq: pl.Reading.Seq}).ID
			if !p.fleet.Device(pl.Device).Applied(id) {
				missing = append(missing, id)
			}
		}
	}
	if len(missing) == 0 {
		p.n.Step("devices", "%s from the edge applied while offline, the restart notwithstanding", plural(b.anomalies, "cool-down command"))
		return nil
	}
	p.n.Step("devices", "%d of %s applied; %s had not come after %s: a reflex is a core NATS publish, at most once, and the restart may have dropped it (its alert is in EVENTS)",
		b.anomalies-len(missing), plural(b.anomalies, "cool-down command"), strings.Join(missing, ", "), reflexGrace)
	return nil
}
