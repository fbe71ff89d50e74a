package edgeiot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
)

// Outcome is what the gateway decided about one payload.
type Outcome string

// The outcomes. Only OutcomeAccepted puts a reading on its way to the hub;
// every other one puts the payload in the dead-letter stream with a reason.
const (
	OutcomeAccepted  Outcome = "accepted"  // stored in TELEMETRY
	OutcomeRefused   Outcome = "refused"   // valid, but the edge buffer was full
	OutcomeLate      Outcome = "late"      // valid, but its window was already forgotten
	OutcomeMalformed Outcome = "malformed" // not a valid reading
	// OutcomeDropped is refused and thrown away: only without the
	// dead-letter stream (a switch of the demo).
	OutcomeDropped Outcome = "dropped"
	// OutcomeNotCommand is a payload a device got on its command topic
	// that is no command: the device reports it, the gateway dead-letters
	// it (see Rejection).
	OutcomeNotCommand Outcome = "not-a-command"
	// OutcomeMalformedAck is an ack the hub's dispatcher cannot use: not
	// JSON, no command ID, or another device than its topic names. It is
	// no decision of the gateway: the dispatcher dead-letters it at the hub.
	OutcomeMalformedAck Outcome = "malformed-ack"
)

// MalformedKey identifies a payload that is not a valid reading by its
// content: the same bytes on the same subject are the same message (a device
// resending it), so they are dead-lettered once.
func MalformedKey(subject string, payload []byte) string {
	h := sha256.New()
	h.Write([]byte(subject))
	h.Write([]byte{0})
	h.Write(payload)
	return "malformed/" + hex.EncodeToString(h.Sum(nil))[:24]
}

// LedgerStats counts what the gateway did.
type LedgerStats struct {
	Accepted   int // distinct readings stored in TELEMETRY
	Duplicates int // copies of readings already accepted (device resends, redeliveries)
	Refused    int // distinct readings refused because the buffer was full
	Late       int // distinct readings refused as too late for their window
	Malformed  int // distinct malformed payloads dead-lettered
	Dropped    int // refused and dropped without a dead letter (a switch)
	Rejections int // distinct non-commands the devices reported, dead-lettered
	Alerts     int // distinct alerts raised
	Reflexes   int // cool-down commands sent to devices (one per alert raised)
	Aggregates int // window aggregates published, corrections included
}

// Ledger is the gateway's record of every decision, keyed by reading ID (or
// MalformedKey for payloads that are not readings). Demos and tests read it
// to know what "accepted at the edge" means for each reading, and wait on it
// instead of sleeping.
type Ledger struct {
	mu       sync.Mutex
	outcomes map[string]Outcome
	stores   map[string]int  // reading ID -> times the gateway stored it
	dupLast  map[string]bool // reading ID -> the buffer said its last store was a copy
	alerts   map[string]struct{}
	stats    LedgerStats
	changed  chan struct{} // closed and replaced on every change
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{outcomes: map[string]Outcome{}, stores: map[string]int{}, dupLast: map[string]bool{},
		alerts: map[string]struct{}{}, changed: make(chan struct{})}
}

// record notes the outcome for key. An accepted reading stays accepted; a
// reading refused earlier and accepted on a resend counts as accepted.
func (l *Ledger) record(key string, o Outcome, duplicate bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	defer l.notify()
	prev, seen := l.outcomes[key]
	if o == OutcomeAccepted {
		l.stores[key]++
		l.dupLast[key] = duplicate
	}
	if o == OutcomeAccepted && (duplicate || prev == OutcomeAccepted) {
		l.stats.Duplicates++
	}
	if seen && (prev == o || prev == OutcomeAccepted) {
		return // the same decision again, or a late copy of an accepted reading
	}
	if seen {
		l.decrement(prev)
	}
	l.outcomes[key] = o
	l.increment(o)
}

func (l *Ledger) increment(o Outcome) { l.add(o, 1) }
func (l *Ledger) decrement(o Outcome) { l.add(o, -1) }

func (l *Ledger) add(o Outcome, d int) {
	switch o {
	case OutcomeAccepted:
		l.stats.Accepted += d
	case OutcomeRefused:
		l.stats.Refused += d
	case OutcomeLate:
		l.stats.Late += d
	case OutcomeMalformed:
		l.stats.Malformed += d
	case OutcomeDropped:
		l.stats.Dropped += d
	case OutcomeNotCommand:
		l.stats.Rejections += d
	}
}

func (l *Ledger) alert(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.alerts[id]; !ok {
		l.alerts[id] = struct{}{}
		l.stats.Alerts++
	}
	l.notify()
}

func (l *Ledger) count(f func(*LedgerStats)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(&l.stats)
	l.notify()
}

// notify wakes every waiter. Callers hold mu.
func (l *Ledger) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// Outcome returns the decision recorded for key.
func (l *Ledger) Outcome(key string) (Outcome, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o, ok := l.outcomes[key]
	return o, ok
}

// Stores returns how many times the gateway stored the reading key, and
// whether the buffer answered the last time that it already held it.
func (l *Ledger) Stores(key string) (times int, copyRemoved bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stores[key], l.dupLast[key]
}

// Stats returns the counts so far.
func (l *Ledger) Stats() LedgerStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Accepted returns the IDs of every accepted reading.
func (l *Ledger) Accepted() map[string]struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]struct{}, l.stats.Accepted)
	for k, o := range l.outcomes {
		if o == OutcomeAccepted {
			out[k] = struct{}{}
		}
	}
	return out
}

// Alerts returns the IDs of every alert raised.
func (l *Ledger) Alerts() map[string]struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]struct{}, len(l.alerts))
	for k := range l.alerts {
		out[k] = struct{}{}
	}
	return out
}

// Wait blocks until done returns true for the ledger (checked after every
// change) or ctx ends.
func (l *Ledger) Wait(ctx context.Context, done func(*Ledger) bool) error {
	for {
		l.mu.Lock()
		changed := l.changed
		l.mu.Unlock()
		if done(l) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Decided reports whether every key has an outcome.
func (l *Ledger) Decided(keys []string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if _, ok := l.outcomes[k]; !ok {
			return false
		}
	}
	return true
}
