// Package gobackpressure is the Go column of the cross-language backpressure
// comparison. The real Go demo (patterns/backpressure) runs in wall-clock
// time, so its numbers vary run to run; this package drives the same four
// strategies in logical time with Go's own types (a slice, a buffered channel
// used with select-default, a token bucket, a credit counter), takes its
// defaults from backpressure.DefaultConfig and audits every message with the
// module's own backpressure.Ledger, from outside the strategy. Its summary is
// the one the Java and Rust programs print.
package gobackpressure

import (
	"fmt"
	"math/rand/v2"

	"github.com/patternlab/patternlab/patterns/backpressure"
)

// Workload is the logical-time workload (integers only).
type Workload struct {
	Messages              int
	Rate, Overload        int64
	Buffer, Window, Burst int
	Seed                  uint64
}

// DefaultWorkload is patterns/backpressure's demo default with the given seed.
func DefaultWorkload(seed uint64) Workload {
	c := backpressure.DefaultConfig()
	return Workload{Messages: c.Messages, Rate: int64(c.ServiceRate), Overload: int64(c.Overload),
		Buffer: c.Buffer, Window: c.Window, Burst: c.ShedBurst(), Seed: seed}
}

func (w Workload) service() int64 { return 1_000_000_000 / w.Rate }

func (w Workload) arrivals() []int64 {
	rng := rand.New(rand.NewPCG(w.Seed, 1))
	gap, t := w.service()/w.Overload, int64(0)
	at := make([]int64, w.Messages)
	for i := range at {
		t += rng.Int64N(2*gap + 1)
		at[i] = t
	}
	return at
}

// faults is the seeded schedule: the message whose service stalls for 50
// service times, and the one after which the credit-window consumer crashes.
func (w Workload) faults() (stall, crash int) {
	rng := rand.New(rand.NewPCG(w.Seed, 0xfa))
	stall = w.Messages/4 + rng.IntN(max(1, w.Messages/2))
	crash = w.Messages/4 + rng.IntN(max(1, w.Messages/2))
	return stall, crash
}

type verdict int

const (
	accepted verdict = iota
	shedRate
	shedFull
	wait
)

// strategy is one way to meet the overload, driven without blocking.
type strategy struct {
	name  string
	bound int // in flight, or -1
	offer func(id int, now int64) verdict
	poll  func() (int, bool)
	ack   func()
}

func strategies(w Workload) []strategy {
	var slice []int
	bounded := make(chan int, w.Buffer)
	shedQ := make(chan int, w.Buffer)
	stream, credits := []int(nil), w.Window
	bucket := &tokenBucket{rate: w.Rate, capacity: int64(w.Burst) * 1e9, level: int64(w.Burst) * 1e9}
	pollChan := func(ch chan int) func() (int, bool) {
		return func() (int, bool) {
			select {
			case id := <-ch:
				return id, true
			default:
				return 0, false
			}
		}
	}
	offerChan := func(ch chan int, id int) bool {
		select {
		case ch <- id:
			return true
		default:
			return false
		}
	}
	return []strategy{
		{name: "unbounded-buffer", bound: -1,
			offer: func(id int, _ int64) verdict { slice = append(slice, id); return accepted },
			poll: func() (int, bool) {
				if len(slice) == 0 {
					return 0, false
				}
				id := slice[0]
				slice = slice[1:]
				return id, true
			}},
		{name: "bounded-queue", bound: w.Buffer + 1,
			offer: func(id int, _ int64) verdict {
				if offerChan(bounded, id) {
					return accepted
				}
				return wait
			},
			poll: pollChan(bounded)},
		{name: "load-shedding", bound: w.Buffer + 1,
			offer: func(id int, now int64) verdict {
				switch {
				case !bucket.take(now):
					return shedRate
				case !offerChan(shedQ, id):
					return shedFull
				}
				return accepted
			},
			poll: pollChan(shedQ)},
		{name: "credit-window", bound: w.Window,
			offer: func(id int, _ int64) verdict {
				if credits == 0 {
					return wait
				}
				credits--
				stream = append(stream, id)
				return accepted
			},
			poll: func() (int, bool) {
				if len(stream) == 0 {
					return 0, false
				}
				id := stream[0]
				stream = stream[1:]
				return id, true
			},
			ack: func() { credits++ }},
	}
}

type tokenBucket struct{ rate, capacity, level, last int64 }

func (b *tokenBucket) take(now int64) bool {
	b.level = min(b.capacity, b.level+(now-b.last)*b.rate)
	b.last = now
	if b.level < 1e9 {
		return false
	}
	b.level -= 1e9
	return true
}

type result struct {
	audit                  backpressure.Audit
	absorbed               int
	peak, maxLag, makespan int64
}

// simulate runs one strategy: the same event loop as Simulation.java and
// simulation.rs, completions first at equal times.
func simulate(s strategy, w Workload, crashes bool) result {
	due := w.arrivals()
	stallAt, crashAt := w.faults()
	if !crashes {
		crashAt = -1
	}
	service, ackWait := w.service(), 20*w.service()
	ledger := backpressure.NewLedger(w.Messages)
	seen := map[int]bool{} // the consumer's idempotent inbox
	var r result
	var busyUntil, producerFree int64
	next, inService, waiting, crashed := 0, -1, false, false
	start := func(now int64) {
		if id, ok := s.poll(); ok {
			inService, busyUntil = id, now+service
			if id == stallAt {
				busyUntil += 50 * service
			}
		}
	}
	for next < w.Messages || inService >= 0 {
		tc, tp := int64(1<<62), int64(1<<62)
		if inService >= 0 {
			tc = busyUntil
		}
		if next < w.Messages && !waiting {
			tp = max(due[next], producerFree)
		}
		if tc <= tp {
			now, id := tc, inService
			inService = -1
			if seen[id] {
				r.absorbed++
			} else {
				seen[id] = true
				if err := ledger.Processed(uint64(id)); err != nil {
					panic(err)
				}
				r.makespan = now
			}
			if id == crashAt && !crashed {
				crashed, inService, busyUntil = true, id, now+ackWait+service
				continue
			}
			if s.ack != nil {
				s.ack()
			}
			start(now)
			if waiting {
				waiting, producerFree = false, now
			}
			continue
		}
		now := tp
		r.maxLag = max(r.maxLag, now-due[next])
		ledger.Offering(uint64(next))
		switch s.offer(next, now) {
		case wait:
			waiting = true
		case shedRate:
			ledger.Shed(uint64(next), backpressure.ShedRateLimited)
			next, producerFree = next+1, now
		case shedFull:
			ledger.Shed(uint64(next), backpressure.ShedQueueFull)
			next, producerFree = next+1, now
		case accepted:
			ledger.Accepted(uint64(next))
			next, producerFree = next+1, now
			if inService < 0 {
				start(now)
			}
		}
		r.peak = max(r.peak, int64(ledger.Backlog()))
	}
	r.audit = ledger.Audit()
	return r
}

// Summary runs the four strategies and returns the deterministic summary, as
// `backpressure.Main -summary` (Java) and `backpressure -summary` (Rust) print it.
func Summary(w Workload) []string {
	stall, crash := w.faults()
	out := []string{
		fmt.Sprintf("backpressure seed=%d messages=%d rate=%d overload=%d buffer=%d window=%d inbox=true", w.Seed, w.Messages, w.Rate, w.Overload, w.Buffer, w.Window),
		fmt.Sprintf("schedule stall-at=%d crash-at=%d", stall, crash),
	}
	var violations []string
	for i, s := range strategies(w) {
		r := simulate(s, w, i == 3)
		a := r.audit
		bound := "none"
		if s.bound >= 0 {
			bound = fmt.Sprint(s.bound)
			if r.peak > int64(s.bound) {
				violations = append(violations, fmt.Sprintf("%s: %d messages in flight, over its bound %d", s.name, r.peak, s.bound))
			}
		}
		if a.LostCount > 0 || a.DuplicatedCount > 0 || a.Offered != w.Messages {
			violations = append(violations, fmt.Sprintf("%s: %d accepted messages lost, %d processed twice", s.name, a.LostCount, a.DuplicatedCount))
		}
		out = append(out, fmt.Sprintf("strategy %s accepted=%d shed-rate-limited=%d shed-queue-full=%d processed=%d lost=%d duplicated=%d absorbed=%d peak-in-flight=%d bound=%s max-lag-ns=%d makespan-ns=%d",
			s.name, a.Accepted, a.ShedBy[backpressure.ShedRateLimited], a.ShedBy[backpressure.ShedQueueFull], a.Processed, a.LostCount, a.DuplicatedCount,
			r.absorbed, r.peak, bound, r.maxLag, r.makespan))
	}
	for _, v := range violations {
		out = append(out, "violation "+v)
	}
	verdict := "HELD"
	if len(violations) > 0 {
		verdict = "VIOLATED"
	}
	return append(out, "invariant "+verdict)
}
