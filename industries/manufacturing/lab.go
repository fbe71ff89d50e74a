package manufacturing

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/patternlab/patternlab/kit/narrate"
)

// The faults a learner may inject on demand (the lab's fault buttons,
// n.Offer) while the shifts run. The scheduled faults stay the default;
// the verdict is the same audit either way.
const (
	FaultCutLink     = "cut-link-a"     // plant a's WAN link down until restored (or the shifts end)
	FaultRestoreLink = "restore-link-a" // plant a's WAN link back: the catch-up burst
	FaultRestartEdge = "restart-edge-"  // + plant letter: the edge's nats-server restarts
	FaultCrashLine   = "crash-controller-"
)

// labFaults holds what was requested and applies it at the next interval,
// between two readings of the floor, so that a fault meets the system in
// the state the scheduled ones do.
type labFaults struct {
	n      *narrate.Narrator
	mu     sync.Mutex
	open   bool
	linkUp bool // plant a's link, as the requests so far leave it
	queue  []labFault
}

type labFault struct {
	kind, plant string
	planned     *narrate.PlannedFault
}

func (l *labFaults) offer(s *System) {
	l.mu.Lock()
	l.open, l.linkUp = true, true
	l.mu.Unlock()
	l.n.Offer(FaultCutLink, cutPlant, "cut plant a's WAN link until you restore it (or the shifts end): its edge stops lines and keeps readings on its own",
		func() error { return l.request(FaultCutLink, cutPlant) })
	l.n.Offer(FaultRestoreLink, cutPlant, "restore plant a's WAN link: what its edge kept is forwarded, a catch-up burst through the hub's credit window",
		func() error { return l.request(FaultRestoreLink, cutPlant) })
	for _, site := range s.Sites {
		p := site.Plant.ID
		code := p[len(p)-1:]
		l.n.Offer(FaultRestartEdge+code, p, "restart "+p+"'s edge nats-server with readings on their way to the hub (it keeps its file store)",
			func() error { return l.request(FaultRestartEdge, p) })
		l.n.Offer(FaultCrashLine+code, p, "crash "+p+"'s line controller and start a new one: what it held unacknowledged comes back after AckWait",
			func() error { return l.request(FaultCrashLine, p) })
	}
}

// scheduled tells the requests what a scheduled fault did to plant a's link.
func (l *labFaults) scheduled(linkUp bool) {
	l.mu.Lock()
	l.linkUp = linkUp
	l.mu.Unlock()
}

// withdraw ends the offers: the shifts are over.
func (l *labFaults) withdraw() {
	for _, name := range l.n.Offers() {
		l.n.Withdraw(name)
	}
	l.mu.Lock()
	l.open = false
	l.mu.Unlock()
}

func (l *labFaults) request(kind, plantID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.open {
		return errors.New("too late: the shifts are over")
	}
	what := map[string]string{
		FaultCutLink:     "the WAN link cut in the lab",
		FaultRestoreLink: "the WAN link restored in the lab",
		FaultRestartEdge: "the edge server restarted in the lab",
		FaultCrashLine:   "the line controller crashed in the lab",
	}[kind]
	switch kind {
	case FaultCutLink:
		if !l.linkUp {
			return errors.New("plant a's link is already down")
		}
		l.linkUp = false
	case FaultRestoreLink:
		if l.linkUp {
			return errors.New("plant a's link is up")
		}
		l.linkUp = true
	}
	l.queue = append(l.queue, labFault{kind: kind, plant: plantID, planned: l.n.Plan(plantID, what)})
	return nil
}

// apply injects what was requested since the last interval.
func (l *labFaults) apply(ctx context.Context, s *System) error {
	l.mu.Lock()
	queue := l.queue
	l.queue = nil
	l.mu.Unlock()
	for _, f := range queue {
		site := s.Site(f.plant)
		switch f.kind {
		case FaultCutLink:
			site.Edge.Link.Cut()
			if err := site.Edge.WaitUnlinked(ctx); err != nil {
				return err
			}
			f.planned.Fire("the WAN link is cut (requested in the lab): the edge keeps working on its own")
		case FaultRestoreLink:
			site.Edge.Link.Restore()
			f.planned.Fire("the WAN link is restored (requested in the lab): the readings waiting at the edge are forwarded")
		case FaultRestartEdge:
			if err := site.Edge.RestartEdge(); err != nil {
				return err
			}
			f.planned.Fire("the edge's nats-server restarts (requested in the lab); it keeps its file store")
		case FaultCrashLine:
			if err := site.RestartController(); err != nil {
				return err
			}
			f.planned.Fire("the line controller crashes and restarts (requested in the lab): what it held unacknowledged comes back")
		default:
			return fmt.Errorf("lab fault %q", f.kind)
		}
	}
	return nil
}

// restoreLink undoes a cut requested in the lab and never restored: the
// audit needs every reading at the hub.
func (l *labFaults) restoreLink(n *narrate.Narrator, s *System) {
	a := s.Site(cutPlant)
	if a.Edge.Link.Up() {
		return
	}
	a.Edge.Link.Restore()
	n.Step(cutPlant, "the link cut in the lab is restored as the shifts end: the catch-up follows")
}
