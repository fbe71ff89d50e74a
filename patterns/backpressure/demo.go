package backpressure

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// Invariant is the sentence the demo's last line states (pattern.yaml holds
// the same).
const Invariant = "every bounded strategy kept its queue within B and its live-heap growth within the stated bound, " +
	"and every accepted message was processed exactly once or counted as shed"

// JetStream names the demo uses.
const (
	DemoStream  = "BACKPRESSURE"
	DemoSubject = "backpressure.work"
	DemoDurable = "worker"
)

// Demo overloads each selected strategy with the same workload, narrates
// what each measured, crashes the JetStream consumer in a last act, and ends
// with the invariant and whether it held.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	d := &demo{n: n, cfg: cfg, bound: MemoryBound(cfg.Buffer, cfg.PayloadSize)}
	d.introduce()
	if cfg.runs(NameJetStream) {
		closeNATS, err := d.connect()
		if err != nil {
			return err
		}
		defer closeNATS()
	}
	selected := cfg.selected()
	for i, name := range selected {
		n.Act("%d/%d %s: %s", i+1, len(selected), name, headlines[name])
		if err := d.overload(ctx, name); err != nil {
			return err
		}
	}
	if cfg.Crash && cfg.runs(NameJetStream) {
		n.Act("fault: the JetStream consumer crashes holding unacked messages")
		if err := d.crash(ctx); err != nil {
			return err
		}
	}
	n.Act("summary")
	d.summarize()
	n.Invariant(Invariant, d.violations...)
	return nil
}

// headlines say in a few words what each strategy does with the overload.
var headlines = map[string]string{
	NameUnbounded: "never says no (the anti-pattern)",
	NameBounded:   "a full queue blocks the producer",
	NameShedding:  "admit what the consumer can take, drop and count the rest",
	NameJetStream: "a bounded stream and a credit window of W unacked messages",
}

type demo struct {
	n          *narrate.Narrator
	cfg        Config
	bound      uint64
	js         jetstream.JetStream
	results    []Result
	violations []string
}

func (d *demo) introduce() {
	c, w := d.cfg, d.cfg.Workload()
	d.n.Act("backpressure: a producer %vx faster than its consumer, handled four ways", c.Overload)
	d.n.Step("workload", "%d messages of %d B; producer λ = %s (Poisson arrivals, seed %d); consumer μ = %s",
		c.Messages, c.PayloadSize, perSecond(w.ArrivalRate()), c.Seed, perSecond(c.ServiceRate))
	d.n.Step("workload", "bounded strategies hold at most B = %d messages; stated bound on live-heap growth: %s (%s)",
		c.Buffer, MiB(d.bound), BoundFormula)
}

func (d *demo) connect() (func(), error) {
	target, err := natsembed.FromEnv(natsembed.Options{Name: "backpressure"})
	if err != nil {
		return nil, fmt.Errorf("start nats: %w", err)
	}
	nc, err := natsembed.Connect(target.URL, "backpressure-demo")
	if err != nil {
		target.Close()
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		target.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	d.js = js
	d.n.Measure("nats", "%s", target.Describe())
	return func() { nc.Close(); target.Close() }, nil
}

// jetStreamQueue creates the demo's stream and durable consumer.
func (d *demo) jetStreamQueue(ctx context.Context, restarted func(crashed, next int)) (*JetStreamQueue, error) {
	return NewJetStreamQueue(ctx, d.js, JetStreamConfig{
		Stream: DemoStream, Subject: DemoSubject, Durable: DemoDurable,
		Capacity: d.cfg.Buffer, Window: d.cfg.Window, AckWait: d.cfg.AckWait,
		Storage: jetstream.MemoryStorage, DedupWindow: time.Second,
		Restarted: restarted,
	})
}

// remove deletes the demo's stream; a failure is told, not fatal: the next
// act replaces the stream anyway.
func (d *demo) remove(ctx context.Context, q *JetStreamQueue) {
	if err := q.Delete(context.WithoutCancel(ctx)); err != nil {
		d.n.Step("jetstream-pull", "could not delete stream %s: %v", DemoStream, err)
	}
}

// overload runs one strategy under the workload and narrates the result.
func (d *demo) overload(ctx context.Context, name string) error {
	c := d.cfg
	var s Strategy
	switch name {
	case NameUnbounded:
		d.n.Step("unbounded-buffer", "a slice that accepts every message: Offer never blocks and never refuses")
		s = NewUnboundedBuffer()
	case NameBounded:
		d.n.Step("bounded-channel", "a channel of capacity B = %d: when it is full, Offer blocks the producer", c.Buffer)
		s = NewBoundedChannel(c.Buffer)
	case NameShedding:
		d.n.Step("load-shedding", "a token bucket (x/time/rate) admits %s, burst %d, into a queue of %d; the rest is dropped and counted",
			perSecond(c.ServiceRate), c.ShedBurst(), c.Buffer)
		s = NewShedder(c.Buffer, c.ServiceRate, c.ShedBurst())
	case NameJetStream:
		d.n.Step("jetstream-pull", "work-queue stream %s (memory, MaxMsgs %d, DiscardNew): a full stream refuses the publish and the producer retries",
			DemoStream, c.Buffer)
		d.n.Step("jetstream-pull", "durable pull consumer %q: MaxAckPending W = %d, AckWait %s", DemoDurable, c.Window, c.AckWait)
		q, err := d.jetStreamQueue(ctx, nil)
		if err != nil {
			return err
		}
		defer d.remove(ctx, q)
		s = q
	}
	res, err := Run(ctx, s, c.Workload())
	if err != nil {
		return err
	}
	d.results = append(d.results, res)
	d.report(res)
	if q, ok := s.(*JetStreamQueue); ok {
		st := q.Stats()
		d.n.Measure(name, "stream full %d times (producer waited and retried); peak unacked %d; pull requests renewed %d", st.Pushbacks, st.PeakAckPending, st.PullResets)
		d.check(name, st.PeakAckPending <= int64(c.Window), "delivered-but-unacked never exceeded W = %d", c.Window)
	}
	d.verify(res)
	return nil
}

// crash runs the JetStream strategy with a consumer that dies mid-run.
func (d *demo) crash(ctx context.Context) error {
	w := d.cfg.Workload()
	w.Messages = max(1, d.cfg.Messages/4)
	at := uint64(w.Messages / 2)
	d.n.Step("workload", "%d messages; consumer-1 will crash on message %d", w.Messages, at)
	w.Fault = CrashAt(at, func(m Message) {
		d.n.Fault("consumer-1", "crashes on message %d: it is not processed, and nothing it pulled is acked", m.ID)
	})
	q, err := d.jetStreamQueue(ctx, func(crashed, next int) {
		d.n.Step("supervisor", "consumer-%d is gone; consumer-%d takes over durable %q: the server redelivers what was unacked after AckWait %s",
			crashed, next, DemoDurable, d.cfg.AckWait)
	})
	if err != nil {
		return err
	}
	defer d.remove(ctx, q)
	res, err := Run(ctx, q, w)
	if err != nil {
		return err
	}
	res.Strategy = NameJetStream + " (crash)"
	d.results = append(d.results, res)
	st := q.Stats()
	d.n.Measure("jetstream-pull", "consumer-1 died holding %d more pulled messages; %d deliveries were redeliveries; the inbox skipped %d already-applied duplicates",
		st.Abandoned, st.Redelivered, st.Skipped)
	d.check("jetstream-pull after the crash", st.Restarts == 1 && st.Redelivered >= 1,
		"one restart, and the message that crashed consumer-1 came back")
	d.verify(res)
	return nil
}

// report narrates a run's measurements.
func (d *demo) report(r Result) {
	a := r.Audit
	d.n.Measure(r.Strategy, "goodput %.0f msg/s; processed %d, accepted %d, shed %d of %d offered",
		r.Goodput(), a.Processed, a.Accepted, a.Shed, a.Offered)
	if a.Shed > 0 {
		d.n.Measure(r.Strategy, "shed by reason: rate-limited %d, queue-full %d", a.ShedBy[ShedRateLimited], a.ShedBy[ShedQueueFull])
	}
	d.n.Measure(r.Strategy, "peak queue %d; peak live heap +%s over a %s baseline (heap in use peaked at %s)",
		r.Peaks.Depth, MiB(r.HeapGrowth()), MiB(r.Baseline.Live), MiB(r.Peaks.Heap.Objects))
	d.n.Measure(r.Strategy, "latency p50 %s, p99 %s; producer held in Offer %s, fell %s behind its schedule",
		round(a.Percentile(0.50)), round(a.Percentile(0.99)), round(r.OfferTime), round(r.MaxLag))
}

// verify checks a run against the invariant.
func (d *demo) verify(r Result) {
	name := r.Strategy
	if r.Capacity == Unbounded {
		d.check(name, r.Peaks.Depth > d.cfg.Buffer,
			"the queue outgrew B = %d: nothing stops it but the end of the workload", d.cfg.Buffer)
	} else {
		d.check(name, r.Peaks.Depth <= r.Capacity, "peak queue within B = %d", r.Capacity)
		if !d.check(name, r.HeapGrowth() <= d.bound, "live-heap growth within the stated %s", MiB(d.bound)) {
			d.violations = append(d.violations, fmt.Sprintf("%s grew the live heap by %s, over %s", name, MiB(r.HeapGrowth()), MiB(d.bound)))
		}
		if r.Peaks.Depth > r.Capacity {
			d.violations = append(d.violations, fmt.Sprintf("%s queued %d messages, over B = %d", name, r.Peaks.Depth, r.Capacity))
		}
	}
	v := r.Audit.Violations()
	d.check(name, len(v) == 0 && r.Audit.Offered == r.Workload.Messages,
		"every offered message accepted or shed, every accepted one processed exactly once")
	for _, s := range v {
		d.violations = append(d.violations, name+": "+s)
	}
}

func (d *demo) check(name string, ok bool, format string, args ...any) bool {
	return d.n.Check(name, ok, format, args...)
}

// summarize narrates the side-by-side table.
func (d *demo) summarize() {
	d.n.Measure("summary", "%-26s %9s %8s %12s %9s %9s %7s", "strategy", "goodput/s", "peak q", "live heap", "p50", "p99", "shed")
	for _, r := range d.results {
		d.n.Measure("summary", "%-26s %9.0f %8d %12s %9s %9s %7d", r.Strategy, r.Goodput(), r.Peaks.Depth,
			"+"+MiB(r.HeapGrowth()), round(r.Audit.Percentile(0.5)), round(r.Audit.Percentile(0.99)), r.Audit.Shed)
	}
	if len(d.cfg.selected()) == len(StrategyNames) {
		d.n.Step("summary", "the unbounded buffer's memory grew with the backlog; the bounded ones moved it upstream (blocked producer), dropped it (counted), or kept it in the stream (credit window)")
	} else {
		d.n.Step("summary", "ran %s", strings.Join(d.cfg.selected(), ", "))
	}
}

// round keeps durations readable.
func round(t time.Duration) time.Duration {
	switch {
	case t >= time.Second:
		return t.Round(10 * time.Millisecond)
	case t >= time.Millisecond:
		return t.Round(10 * time.Microsecond)
	}
	return t.Round(time.Microsecond)
}
