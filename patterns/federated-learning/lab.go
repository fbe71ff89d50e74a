package federatedlearning

import (
	"fmt"
	"slices"
	"sync"

	"github.com/patternlab/patternlab/kit/narrate"
)

// The faults the demo offers on demand while it trains (the lab's fault
// buttons). Each strikes the next round: one honest site (not one the
// schedule already uses) takes it when that round selects it. A request is
// planned as it is accepted, so one that never struck makes the verdict
// VIOLATED; the audit judges the run as without a click: no update counted
// twice, every round closed by its deadline, the accuracy within ε.
const (
	// FaultDropSite: the site receives the model and never answers; the
	// round closes at its deadline without it.
	FaultDropSite = "drop-site"
	// FaultStraggleSite: the site's update leaves four deadlines late; the
	// round closes without it and the coordinator ignores it when it comes.
	FaultStraggleSite = "straggle-site"
	// FaultPoisonUpdate: the site's update is sign-flipped and scaled by
	// -poison-scale, like the compromised site's: the trimmed mean must
	// outvote two poisoned updates in that round.
	FaultPoisonUpdate = "poison-update"
)

// onDemand holds the learner's requests: at most one for the next round.
type onDemand struct {
	d *demo

	mu      sync.Mutex
	open    bool
	current int // the round broadcast last
	pending *request
}

type request struct {
	fault   string
	round   int // the first round it may strike
	req     LabRequest
	planned *narrate.PlannedFault
}

// offer opens the offers for the training; the returned withdraw closes
// them.
func (d *demo) offer() (withdraw func()) {
	o := d.lab
	o.mu.Lock()
	o.open = true
	o.mu.Unlock()
	c := d.cfg
	d.n.Offer(FaultDropSite, "site", "an honest site drops out of the next round: it receives the model and never answers", func() error {
		return o.request(FaultDropSite, LabRequest{Drop: true})
	})
	d.n.Offer(FaultStraggleSite, "site", fmt.Sprintf("an honest site's next update leaves %s late, past the %s deadline", c.straggleFor(), c.Deadline), func() error {
		return o.request(FaultStraggleSite, LabRequest{StraggleFor: c.straggleFor()})
	})
	d.n.Offer(FaultPoisonUpdate, "site", fmt.Sprintf("an honest site's next update is sign-flipped and scaled ×%g, like the compromised site's", c.PoisonScale), func() error {
		return o.request(FaultPoisonUpdate, LabRequest{PoisonScale: c.PoisonScale})
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			for _, f := range []string{FaultDropSite, FaultStraggleSite, FaultPoisonUpdate} {
				d.n.Withdraw(f)
			}
			o.mu.Lock()
			o.open = false
			o.mu.Unlock()
		})
	}
}

func (o *onDemand) request(fault string, req LabRequest) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	rounds := o.d.cfg.Rounds
	switch {
	case !o.open:
		return fmt.Errorf("too late: the training is over")
	case o.pending != nil:
		return fmt.Errorf("round %d already has a requested fault (%s): one a round", o.pending.round, o.pending.fault)
	case o.current >= rounds:
		return fmt.Errorf("too late: round %d is the last", rounds)
	}
	round := o.current + 1
	o.pending = &request{fault: fault, round: round, req: req,
		planned: o.d.n.Plan("lab", fmt.Sprintf("%s requested for round %d", fault, round))}
	return nil
}

// opened follows the rounds as the coordinators broadcast them.
func (o *onDemand) opened(round int) {
	o.mu.Lock()
	o.current = round
	o.mu.Unlock()
}

// ask is a site's AgentFaults.Lab: the pending request, if this site may
// take it in this round. The sites the schedule uses are left alone, so a
// requested fault never stands in for a scheduled one.
func (o *onDemand) ask(site string) func(round int) LabRequest {
	s := o.d.sched
	if slices.Contains([]string{s.Poisoned, s.Straggler, s.Dropper, s.ReplaySite}, site) {
		return nil
	}
	return func(round int) LabRequest {
		o.mu.Lock()
		p := o.pending
		if p == nil || round < p.round {
			o.mu.Unlock()
			return LabRequest{}
		}
		o.pending = nil
		o.mu.Unlock()
		c := o.d.cfg
		switch p.fault {
		case FaultDropSite:
			p.planned.Fire("%s receives the round-%d model and never answers (requested): the round must close at its %s deadline without it", site, round, c.Deadline)
		case FaultStraggleSite:
			p.planned.Fire("%s trains round %d, but its update leaves %s late (requested): the round must close at its %s deadline without it, and not count it later",
				site, round, c.straggleFor(), c.Deadline)
		case FaultPoisonUpdate:
			p.planned.Fire("%s sends its round-%d update sign-flipped and scaled ×%g (requested): with the compromised site, two poisoned updates in this round",
				site, round, c.PoisonScale)
		}
		return p.req
	}
}
