package backpressure

import (
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"
)

// Ledger is the audit of one run: for every message ID it records whether
// the strategy accepted or shed it, how many times the consumer processed it,
// and its latency. All arrays are allocated up front, before the heap
// baseline is taken, so the audit does not count as the strategy's memory.
//
// Methods are safe for concurrent use by the producer and the consumer.
type Ledger struct {
	start     time.Time
	offeredAt []atomic.Int64 // ns since start, written before Offer
	verdict   []atomic.Uint32
	processed []atomic.Uint32
	latency   []atomic.Int64 // ns from Offer to the end of the first processing

	offered, accepted, shed, handled atomic.Int64
	firstDone                        atomic.Int64 // IDs processed at least once
	shedBy                           [numShedReasons]atomic.Int64
	lastDone                         atomic.Int64 // ns since start of the last processing
}

const (
	verdictNone uint32 = iota
	verdictAccepted
	verdictShed
)

// NewLedger audits messages 0..n-1.
func NewLedger(n int) *Ledger {
	return &Ledger{
		start:     time.Now(),
		offeredAt: make([]atomic.Int64, n),
		verdict:   make([]atomic.Uint32, n),
		processed: make([]atomic.Uint32, n),
		latency:   make([]atomic.Int64, n),
	}
}

// Size is the number of IDs the ledger audits.
func (l *Ledger) Size() int { return len(l.verdict) }

func (l *Ledger) since() int64 { return int64(time.Since(l.start)) }

// Offering records that message id is about to be offered.
func (l *Ledger) Offering(id uint64) {
	l.offeredAt[id].Store(l.since())
	l.offered.Add(1)
}

// Offered is how many messages the producer has offered so far.
func (l *Ledger) Offered() int { return int(l.offered.Load()) }

// Accepted records that the strategy accepted message id.
func (l *Ledger) Accepted(id uint64) {
	l.verdict[id].Store(verdictAccepted)
	l.accepted.Add(1)
}

// Shed records that the strategy dropped message id on purpose.
func (l *Ledger) Shed(id uint64, reason ShedReason) {
	l.verdict[id].Store(verdictShed)
	l.shed.Add(1)
	if reason >= 0 && reason < numShedReasons {
		l.shedBy[reason].Add(1)
	}
}

// Processed records that the consumer finished processing message id. An ID
// outside the ledger is a foreign message, something the producer never
// made: the error wraps ErrMalformed, so a consumer dead-letters it.
func (l *Ledger) Processed(id uint64) error {
	if id >= uint64(len(l.processed)) {
		return fmt.Errorf("%w: message %d was never produced (the producer made %d)", ErrMalformed, id, len(l.processed))
	}
	now := l.since()
	if l.processed[id].Add(1) == 1 {
		l.latency[id].Store(now - l.offeredAt[id].Load())
		l.firstDone.Add(1)
	}
	l.handled.Add(1)
	l.lastDone.Store(now)
	return nil
}

// Backlog is the number of accepted messages not processed yet, as the
// producer (Offer returned nil) and the receiver (processing finished) count
// them: the strategy's own count plays no part. It reads the accepted count
// first, so it never overstates the backlog: a message is counted as
// accepted only after it is in the strategy, and as processed only once its
// processing is over, so the backlog is at most what the strategy holds
// plus the one message in the consumer's hands.
func (l *Ledger) Backlog() int {
	accepted := l.accepted.Load()
	return int(accepted - l.firstDone.Load())
}

// Audit is the verdict of a ledger once a run is over.
type Audit struct {
	Offered, Accepted, Shed, Processed int
	ShedBy                             map[ShedReason]int
	// Lost: accepted but never processed. Duplicated: processed more than
	// once. Phantom: processed but never accepted (or shed and processed).
	// Each lists up to MaxListed IDs; the counts are exact.
	Lost, Duplicated, Phantom                []uint64
	LostCount, DuplicatedCount, PhantomCount int
	// Latencies of processed messages, sorted ascending.
	Latencies []time.Duration
	// LastDone is when the last processing finished, since the ledger began.
	LastDone time.Duration
}

// MaxListed bounds the example IDs an Audit lists per kind of violation.
const MaxListed = 10

// Audit inspects every ID. Call it after the run, when nothing writes.
func (l *Ledger) Audit() Audit {
	a := Audit{ShedBy: map[ShedReason]int{}, LastDone: time.Duration(l.lastDone.Load())}
	for r := range numShedReasons {
		if n := l.shedBy[r].Load(); n > 0 {
			a.ShedBy[r] = int(n)
		}
	}
	a.Latencies = make([]time.Duration, 0, l.accepted.Load())
	for i := range l.verdict {
		id := uint64(i)
		v, p := l.verdict[i].Load(), l.processed[i].Load()
		if v != verdictNone {
			a.Offered++
		}
		switch v {
		case verdictAccepted:
			a.Accepted++
		case verdictShed:
			a.Shed++
		}
		if p > 0 {
			a.Processed++
			a.Latencies = append(a.Latencies, time.Duration(l.latency[i].Load()))
		}
		switch {
		case v == verdictAccepted && p == 0:
			a.LostCount++
			a.Lost = appendListed(a.Lost, id)
		case v != verdictAccepted && p > 0:
			a.PhantomCount++
			a.Phantom = appendListed(a.Phantom, id)
		}
		if p > 1 {
			a.DuplicatedCount++
			a.Duplicated = appendListed(a.Duplicated, id)
		}
	}
	slices.Sort(a.Latencies)
	return a
}

func appendListed(ids []uint64, id uint64) []uint64 {
	if len(ids) < MaxListed {
		ids = append(ids, id)
	}
	return ids
}

// Violations states what broke "every accepted message is processed exactly
// once or counted as shed", or nothing when it held.
func (a Audit) Violations() []string {
	var v []string
	if a.LostCount > 0 {
		v = append(v, fmt.Sprintf("%d accepted messages never processed (e.g. %v)", a.LostCount, a.Lost))
	}
	if a.DuplicatedCount > 0 {
		v = append(v, fmt.Sprintf("%d messages processed more than once (e.g. %v)", a.DuplicatedCount, a.Duplicated))
	}
	if a.PhantomCount > 0 {
		v = append(v, fmt.Sprintf("%d messages processed without being accepted (e.g. %v)", a.PhantomCount, a.Phantom))
	}
	return v
}

// Percentile returns the q-th quantile (0 < q <= 1) of the sorted latencies,
// by the nearest-rank method, or 0 when there are none.
func (a Audit) Percentile(q float64) time.Duration {
	if len(a.Latencies) == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(len(a.Latencies))))
	rank = min(max(rank, 1), len(a.Latencies))
	return a.Latencies[rank-1]
}
