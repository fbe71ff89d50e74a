package internet

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
	"github.com/patternlab/patternlab/industries/internet/eventtime"
	"github.com/patternlab/patternlab/kit/narrate"
)

// FaultLateBurst is the stream's second fault on demand (the lab's
// button): devices that were offline come back at once and send a burst
// of events that happened well before the watermark minus the allowed
// lateness. Every one of them must be routed to the late stream with its
// reason, and the batch recomputation, over the same log, must agree
// window for window. -late-route=false drops them without a word.
const FaultLateBurst = "late-burst"

// lateBurstSize is how many events a requested burst holds.
const lateBurstSize = 20

// lateBurst builds the requested burst from the day's own visitors: the
// edge asks it, before each beacon it offers, for beacons to offer first.
type lateBurst struct {
	n       *narrate.Narrator
	policy  eventtime.Policy
	beacons []clickstream.Beacon

	mu      sync.Mutex
	open    bool
	at      int64 // the arrival time of the beacon the edge offers next
	asked   int   // beacons the edge has asked for extras before
	pending *narrate.PlannedFault
	bursts  int
}

// behind is how far before its arrival a burst's event happened: past
// any window the watermark may still hold open, with a minute to spare.
func (l *lateBurst) behind() time.Duration {
	return l.policy.Disorder + l.policy.Lateness + 2*l.policy.Size + time.Minute
}

func (l *lateBurst) request() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case !l.open:
		return errors.New("the edge has taken every beacon of the day")
	case l.pending != nil:
		return errors.New("a late burst is already requested and the edge has not sent it yet")
	case l.at-l.behind().Milliseconds() < clickstream.Start.UnixMilli():
		return fmt.Errorf("too early in the day: an event %v before now would come before the day began", l.behind())
	}
	l.pending = l.n.Plan("devices", "a burst of late events requested in the lab")
	return nil
}

// extra is the edge's Extra: the burst, once, when one is requested.
func (l *lateBurst) extra(recv int64) []clickstream.Beacon {
	l.mu.Lock()
	l.at = recv
	if l.asked++; l.asked == len(l.beacons) {
		l.open = false // no beacon is left to send a burst before
	}
	p := l.pending
	l.pending = nil
	if p != nil {
		l.bursts++
	}
	burst := l.bursts
	l.mu.Unlock()
	if p == nil {
		return nil
	}
	ts := recv - l.behind().Milliseconds()
	var out []clickstream.Beacon
	for _, b := range l.beacons {
		if len(out) == lateBurstSize || b.Recv > recv {
			break
		}
		e, err := clickstream.Parse(b.Raw)
		if err != nil || clickstream.IsBot(e.Agent) {
			continue
		}
		e.ID = fmt.Sprintf("%s-late%d-%d", e.ID, burst, len(out))
		e.TS, e.Sent = ts, recv // sent now, by a device whose clock is right
		out = append(out, clickstream.Beacon{Raw: e.Encode(), Recv: recv})
	}
	p.Fire("%d events from devices that were offline arrive at once (requested in the lab), %v older than the latest: past the watermark and the allowed lateness",
		len(out), l.behind())
	return out
}

// offer offers late-burst until the returned withdraw.
func (l *lateBurst) offer() (withdraw func()) {
	l.mu.Lock()
	l.open = true
	l.mu.Unlock()
	l.n.Offer(FaultLateBurst, "devices",
		fmt.Sprintf("%d events that happened well before the watermark arrive at once: each must go to the late stream with its reason", lateBurstSize), l.request)
	var once sync.Once
	return func() {
		once.Do(func() {
			l.n.Withdraw(FaultLateBurst)
			l.mu.Lock()
			l.open = false
			l.mu.Unlock()
		})
	}
}
