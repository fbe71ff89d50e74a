package backpressure

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
)

// Invariant is the sentence the demo's last line states (pattern.yaml states
// it with the bound spelled out).
const Invariant = "every bounded strategy kept at most B + 1 accepted messages unprocessed and its live-heap growth " +
	"within the stated bound, its heap also while catching up on a backlog, and every accepted message was processed exactly once or counted as shed"

// Demo overloads each selected strategy with the same workload and narrates
// what each measured; on JetStream it then crashes the consumer after it
// processed a message and before its ack, and brings a consumer back to a
// backlog of the whole workload. Every bound is checked from outside the
// strategy (the ledger, the heap, the server), and the demo ends with the
// invariant and whether it held.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	d := &demo{n: n, cfg: cfg, bound: MemoryBound(cfg.Buffer, cfg.PayloadSize)}
	d.introduce()
	if cfg.runs(NameJetStream) {
		closeNATS, err := d.connect(ctx)
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
		n.Act("fault: the JetStream consumer crashes after processing a message, before its ack")
		if err := d.crash(ctx); err != nil {
			return err
		}
	}
	if cfg.CatchUp && cfg.runs(NameJetStream) {
		n.Act("catch-up: the JetStream consumer comes back to a backlog of the whole workload")
		if err := d.catchUp(ctx); err != nil {
			return err
		}
	}
	n.Act("summary")
	if err := d.summarize(ctx); err != nil {
		return err
	}
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
	nats       *demoNATS // nil unless jetstream-pull runs
	results    []Result
	violations []string
	failed     bool // a check failed
}

func (d *demo) introduce() {
	c, w := d.cfg, d.cfg.Workload()
	d.n.Act("backpressure: a producer %vx faster than its consumer, handled four ways", c.Overload)
	d.n.Step("workload", "%d messages of %d B; producer λ = %s (Poisson arrivals, seed %d); consumer μ = %s",
		c.Messages, c.PayloadSize, perSecond(w.ArrivalRate()), c.Seed, perSecond(c.ServiceRate))
	d.n.Step("workload", "bounded strategies queue at most B = %d messages, so at most B + 1 = %d are accepted and unprocessed (one is in the consumer's hands)",
		c.Buffer, c.Buffer+1)
	d.n.Step("workload", "stated bound on live-heap growth: %s (%s), below the %s of the whole workload: a strategy that held everything would break it",
		MiB(d.bound), BoundFormula, MiB(c.WorkloadSize()))
	d.n.Step("workload", "in each act the consumer starts late (a deploy): it comes back when the strategy first pushes the producer back, or when the producer is done")
	d.n.Step("audit", "the backlog is counted by the ledger (accepted by the producer, processed by the receiver), the heap read from the runtime, the stream's state asked of the server")
}

// overload runs one strategy under the workload and narrates the result.
func (d *demo) overload(ctx context.Context, name string) error {
	c := d.cfg
	w := c.Workload()
	var s Strategy
	switch name {
	case NameUnbounded:
		d.n.Step(name, "a slice that accepts every message: Offer never blocks and never refuses")
		s = NewUnboundedBuffer()
	case NameBounded:
		if c.Block {
			d.n.Step(name, "a channel of capacity B = %d: when it is full, Offer blocks the producer", c.Buffer)
			s = NewBoundedChannel(c.Buffer)
		} else {
			d.n.Step(name, "SAFEGUARD OFF (-block=false): a channel of capacity B = %d whose full sends fall through a select's default: the message is dropped and Offer says accepted", c.Buffer)
			s = NewDroppingChannel(c.Buffer)
		}
	case NameShedding:
		if c.Admission {
			d.n.Step(name, "a token bucket (x/time/rate) admits %s, burst %d, into a queue of %d; the rest is dropped and counted",
				perSecond(c.ServiceRate), c.ShedBurst(), c.Buffer)
			s = NewShedder(c.Buffer, c.ServiceRate, c.ShedBurst())
		} else {
			d.n.Step(name, "SAFEGUARD OFF (-admission=false): no token bucket and no full queue refuse anything: every message is admitted")
			s = NewShedderWithoutAdmission(c.Buffer)
		}
	case NameJetStream:
		return d.overloadJetStream(ctx, w)
	}
	if name != NameUnbounded {
		w.HeapBound = d.bound
	}
	w.StartLate = d.startLate(name)
	lab := d.newLabRun(w.Messages, false)
	w.Fault = lab.fault(name, w, w.Fault)
	lab.start(s)
	res, err := Run(ctx, s, w)
	lab.end()
	if err != nil {
		return err
	}
	d.record(res)
	if name == NameUnbounded {
		d.n.Step(name, "held to no bound: it is the anti-pattern, and its backlog and heap above show why")
		d.exactlyOnce(res)
		return nil
	}
	d.bounded(res)
	return nil
}

func (d *demo) overloadJetStream(ctx context.Context, w Workload) error {
	c := d.cfg
	d.n.Step(NameJetStream, "work-queue stream %s (memory, %s, DiscardNew): a full stream refuses the publish and the producer retries",
		d.nats.names.stream, d.streamLimit())
	d.n.Step(NameJetStream, "durable pull consumer %q: %s, AckWait %s; what it cannot decode goes to stream %s",
		d.nats.names.durable, d.creditWindow(), c.AckWait, d.nats.names.deadLetters)
	lab := d.newLabRun(w.Messages, true)
	var restarted func(crashed, next int)
	if lab != nil {
		// only a crash requested in the lab restarts a consumer in this act
		restarted = func(crashed, next int) {
			lab.restarted(next)
			d.n.Step("supervisor", "consumer-%d is gone; consumer-%d takes over durable %q: the server redelivers what was unacked after AckWait %s",
				crashed, next, d.nats.names.durable, c.AckWait)
		}
	}
	q, err := d.nats.queue(ctx, c.Buffer, true, restarted)
	if err != nil {
		return err
	}
	defer d.nats.remove(ctx, q)
	if err := d.nats.injectMalformed(ctx, q); err != nil {
		return err
	}
	w.HeapBound = d.bound
	w.Inbox = d.inbox(w.Messages)
	w.StartLate = d.startLate(NameJetStream)
	w.Fault = lab.fault("stream", w, w.Fault)
	lab.start(q)
	res, err := Run(ctx, q, w)
	lab.end()
	if err != nil {
		return err
	}
	d.record(res)
	st := q.Stats()
	d.n.Measure(NameJetStream, "stream full %d times (the producer waited and retried); the server's peaks: %d stored, %d unacked; dead-lettered %d; pull requests renewed %d",
		st.Pushbacks, st.PeakStored, st.PeakAckPending, st.DeadLettered, st.PullResets)
	lab.check(d, res.Strategy)
	d.serverView(res.Strategy, st, true)
	d.bounded(res)
	return nil
}

// crash runs the JetStream strategy with a consumer that dies right after it
// processed a message and before it acked it: the server must redeliver it,
// and the inbox must keep it from being applied twice.
func (d *demo) crash(ctx context.Context) error {
	c := d.cfg
	w := c.Workload()
	w.Messages = max(2, c.Messages/4)
	at := uint64(w.Messages / 2)
	d.n.Step("workload", "%d messages; consumer-1 will crash right after processing message %d, before acking it", w.Messages, at)
	fault := d.n.Plan("consumer-1", "crash after processing a message, before its ack")
	var cameBack atomic.Bool
	lab := d.newLabRun(w.Messages, true)
	crash := CrashAfter(at, func(m Message) {
		fault.Fire("processed message %d, then crashed before acking it; the messages it had pulled are not acked either%s", m.ID, lab.replaced())
	})
	w.Fault = func(h Handler) Handler {
		inner := crash(h)
		return func(ctx context.Context, m Message) error {
			if m.ID == at && m.Delivery > 1 {
				cameBack.Store(true)
			}
			return inner(ctx, m)
		}
	}
	w.HeapBound = d.bound
	w.Inbox = d.inbox(w.Messages)
	if w.Inbox == nil {
		d.n.Step("consumer", "SAFEGUARD OFF (-inbox=false): no inbox, every delivery is processed")
	}
	w.Fault = lab.fault("stream", w, w.Fault)
	q, err := d.nats.queue(ctx, c.Buffer, true, func(crashed, next int) {
		lab.restarted(next)
		d.n.Step("supervisor", "consumer-%d is gone; consumer-%d takes over durable %q: the server redelivers what was unacked after AckWait %s",
			crashed, next, d.nats.names.durable, c.AckWait)
	})
	if err != nil {
		return err
	}
	defer d.nats.remove(ctx, q)
	lab.start(q)
	res, err := Run(ctx, q, w)
	lab.end()
	if err != nil {
		return err
	}
	res.Strategy = NameJetStream + " (crash)"
	d.record(res)
	st := q.Stats()
	skipped := 0
	if w.Inbox != nil {
		skipped = w.Inbox.Skipped()
	}
	d.n.Measure(NameJetStream, "the server counted %d messages delivered to consumer-1 and never acked when it died; %d deliveries were redeliveries; the inbox skipped %d already-applied duplicates",
		st.HeldAtCrash, st.Redelivered, skipped)
	d.check(res.Strategy, cameBack.Load(), "message %d, processed and never acked, was delivered again after the crash", at)
	lab.check(d, res.Strategy)
	d.serverView(res.Strategy, st, true)
	d.bounded(res)
	return nil
}

// catchUp brings a consumer back to a stream holding the whole workload:
// the credit window alone keeps its memory from holding the backlog.
func (d *demo) catchUp(ctx context.Context) error {
	c := d.cfg
	w := c.Workload()
	d.n.Step(NameJetStream, "stream %s (memory, MaxMsgs %d): a hub's stream, holding what its sites sent during an outage",
		d.nats.names.stream, w.Messages)
	fault := d.n.Plan("hub-consumer", "down while the backlog arrives")
	q, err := d.nats.queue(ctx, w.Messages, false, nil)
	if err != nil {
		return err
	}
	defer d.nats.remove(ctx, q)
	w.HeapBound = d.bound
	w.Inbox = d.inbox(w.Messages)
	slow := d.n.Plan("hub-consumer", "its first message slow until the server has delivered all it will")
	w.Fault = StallUntil(q.Delivered, func(m Message) {
		slow.Fire("its first message (%d) is slow, until the server has delivered all it will: its window full, or the whole backlog", m.ID)
	})
	lab := d.newLabRun(w.Messages, false)
	w.Fault = lab.fault("stream", w, w.Fault)
	lab.start(q)
	res, err := RunCatchUp(ctx, q, w, func(backlog int) {
		fault.Fire("was down while %d messages (%s) arrived; it comes back with %s", backlog, MiB(uint64(backlog)*uint64(w.PayloadSize)), d.creditWindow())
	})
	lab.end()
	if err != nil {
		return err
	}
	res.Strategy = NameJetStream + " (catch-up)"
	d.record(res)
	st := q.Stats()
	d.n.Measure(NameJetStream, "caught up in %s; the server's peak of delivered-unacked messages: %d", round(res.Elapsed), st.PeakAckPending)
	d.serverView(res.Strategy, st, false)
	d.heapWithinBound(res)
	d.exactlyOnce(res)
	return nil
}

// startLate plans the act's late start: the consumer is down until the
// strategy pushes the producer back, or the producer is done.
func (d *demo) startLate(name string) func(LateStart) {
	down := d.n.Plan("consumer", "down when the act starts")
	down.Fire("down when the act starts: the producer offers alone")
	return func(l LateStart) {
		d.n.Measure("consumer", "back after %d messages offered", l.Offered)
		if l.PushedBack {
			d.n.Step("consumer", "back: %s", pushbacks[name])
			return
		}
		d.n.Step("consumer", "back only when the producer was done: nothing pushed it back, so the strategy accepted all %d messages", d.cfg.Messages)
	}
}

// pushbacks say how each strategy pushed the producer back.
var pushbacks = map[string]string{
	NameBounded:   "the full channel blocked the producer",
	NameShedding:  "the shedder refused a message",
	NameJetStream: "the full stream refused a publish",
}

// inbox is a fresh inbox for a JetStream run, or nil with -inbox=false.
func (d *demo) inbox(messages int) *Inbox {
	if !d.cfg.Inbox {
		return nil
	}
	return NewInbox(messages)
}

func (d *demo) streamLimit() string {
	if !d.cfg.StreamLimit {
		return fmt.Sprintf("SAFEGUARD OFF (-stream-limit=false): no MaxMsgs, though B = %d is stated", d.cfg.Buffer)
	}
	return fmt.Sprintf("MaxMsgs B = %d", d.cfg.Buffer)
}

func (d *demo) creditWindow() string {
	if !d.cfg.CreditWindow {
		return fmt.Sprintf("SAFEGUARD OFF (-credit-window=false): no MaxAckPending, it pulls as much as the stream holds, though W = %d is stated", d.cfg.Window)
	}
	return fmt.Sprintf("a credit window of W = %d (MaxAckPending, and %d pulled at a time)", d.cfg.Window, d.cfg.Window)
}

// record keeps a run for the summary and narrates its measurements.
func (d *demo) record(r Result) {
	d.results = append(d.results, r)
	a := r.Audit
	d.n.Measure(r.Strategy, "goodput %.0f msg/s; processed %d, accepted %d, shed %d of %d offered",
		r.Goodput(), a.Processed, a.Accepted, a.Shed, a.Offered)
	if a.Shed > 0 {
		d.n.Measure(r.Strategy, "shed by reason: rate-limited %d, queue-full %d", a.ShedBy[ShedRateLimited], a.ShedBy[ShedQueueFull])
	}
	d.n.Measure(r.Strategy, "peak backlog %d (the strategy's own count: %d); peak live heap +%s over a %s baseline (heap in use peaked at %s)",
		r.Peaks.Backlog, r.OwnPeak, MiB(r.HeapGrowth()), MiB(r.Baseline.Live), MiB(r.Peaks.Heap.Objects))
	d.n.Measure(r.Strategy, "latency p50 %s, p99 %s; producer held in Offer %s, fell %s behind its schedule",
		round(a.Percentile(0.50)), round(a.Percentile(0.99)), round(r.OfferTime), round(r.MaxLag))
}

// summarize narrates the side-by-side table and the dead letters the server
// holds.
func (d *demo) summarize(ctx context.Context) error {
	d.n.Measure("summary", "%-26s %9s %12s %12s %9s %9s %7s", "strategy", "goodput/s", "peak backlog", "live heap", "p50", "p99", "shed")
	for _, r := range d.results {
		d.n.Measure("summary", "%-26s %9.0f %12d %12s %9s %9s %7d", r.Strategy, r.Goodput(), r.Peaks.Backlog,
			"+"+MiB(r.HeapGrowth()), round(r.Audit.Percentile(0.5)), round(r.Audit.Percentile(0.99)), r.Audit.Shed)
	}
	if d.nats != nil {
		if err := d.nats.readDeadLetters(ctx, d); err != nil {
			return err
		}
	}
	switch {
	case len(d.violations) > 0 || d.failed:
		d.n.Step("summary", "ran %s; what broke is listed below", strings.Join(d.cfg.selected(), ", "))
	case len(d.cfg.selected()) == len(StrategyNames):
		// said only when every check above passed: each clause is one of them
		d.n.Step("summary", "the unbounded buffer's memory grew with the backlog; the bounded ones moved it upstream (blocked producer), dropped it (counted), or kept it in the stream (credit window)")
	default:
		d.n.Step("summary", "ran %s", strings.Join(d.cfg.selected(), ", "))
	}
	return nil
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
