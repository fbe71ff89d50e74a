package backpressure

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
)

// What the demo shows in `make lab` beyond its text story. All of it exists
// only in JSON mode (narrate's JSONMode), so the text narration and the
// Example's verified output are unchanged:
//   - a message event for a sample of the deliveries (about 40 an act) and
//     for every redelivery, from the strategy to the consumer;
//   - the queue depth and the heap in use, sampled every 100ms;
//   - while a JetStream act runs (overload and crash), faults on demand:
//     crash-consumer and stall-consumer. A requested fault is planned when
//     it is accepted and fired when it happens, so one that never happened
//     makes the verdict VIOLATED; each requested crash adds a check that
//     the message it processed and never acked was delivered again.

// seriesInterval is how often the lab's charts get a point.
const seriesInterval = 100 * time.Millisecond

// Names of the faults the demo offers on demand.
const (
	FaultCrashConsumer = "crash-consumer"
	FaultStallConsumer = "stall-consumer"
)

// traceEvery is how many message IDs lie between two traced deliveries.
func traceEvery(messages int) uint64 { return uint64(max(1, messages/40)) }

// traced wraps the consumer's handler with message events: from is the
// strategy, consumer names the consumer instance handling it now. Every
// redelivery is traced, and every first delivery whose ID is a multiple of
// every.
func traced(n *narrate.Narrator, from string, consumer func() string, every uint64) func(Handler) Handler {
	return func(next Handler) Handler {
		return func(ctx context.Context, m Message) error {
			switch {
			case m.Delivery > 1:
				n.Message(from, consumer(), "redelivery", fmt.Sprintf("#%d", m.ID))
			case m.ID%every == 0:
				n.Message(from, consumer(), "deliver", fmt.Sprintf("#%d", m.ID))
			}
			return next(ctx, m)
		}
	}
}

// chain applies wrappers to a handler, the first one outermost; nil
// wrappers are skipped.
func chain(wrappers ...func(Handler) Handler) func(Handler) Handler {
	return func(h Handler) Handler {
		for i := len(wrappers) - 1; i >= 0; i-- {
			if wrappers[i] != nil {
				h = wrappers[i](h)
			}
		}
		return h
	}
}

// sampleSeries samples the strategy's queue depth (its own count: a chart,
// never a check) and the heap in use until the returned stop is called.
func sampleSeries(n *narrate.Narrator, s Strategy) (stop func()) {
	done, quit := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(seriesInterval)
		defer t.Stop()
		for {
			n.Sample("queue depth", float64(s.Depth()), "msgs")
			n.Sample("heap in use", float64(ReadHeap().Objects)/(1<<20), "MiB")
			select {
			case <-t.C:
			case <-quit:
				return
			}
		}
	}()
	return func() { close(quit); <-done }
}

// instances names the JetStream consumer instance running now: consumer-1,
// then consumer-2 after a crash, and so on.
type instances struct{ current atomic.Int64 }

func newInstances() *instances {
	i := &instances{}
	i.current.Store(1)
	return i
}

func (i *instances) name() string { return fmt.Sprintf("consumer-%d", i.current.Load()) }

func (i *instances) restarted(next int) { i.current.Store(int64(next)) }

// onDemand is the faults the learner asks for while one JetStream act runs
// (the lab's fault buttons). A crash makes the consumer instance die right
// after it processed the next message it is handed, before its ack, as the
// crash act's own fault does; a stall makes it hold the next message for
// longer than AckWait. A request is accepted only while a message of the
// act is still to be processed, so a message is still to come to take it.
type onDemand struct {
	n        *narrate.Narrator
	consumer func() string
	stall    time.Duration

	mu        sync.Mutex
	open      bool
	processed []bool // by ID: processed through this handler
	left      int    // IDs not processed yet
	crashes   []*narrate.PlannedFault
	stalls    []*narrate.PlannedFault
	crashed   []crashedOn // requested crashes that happened
}

// crashedOn is a requested crash: the consumer processed message id (its
// delivery-th delivery) and died before acking it.
type crashedOn struct {
	id       uint64
	delivery int
	cameBack bool // delivered again afterwards
}

func newOnDemand(n *narrate.Narrator, messages int, stall time.Duration, consumer func() string) *onDemand {
	return &onDemand{n: n, consumer: consumer, stall: stall, processed: make([]bool, messages), left: messages}
}

// offer offers the faults until the returned withdraw is called (when the
// act's run is over).
func (o *onDemand) offer() (withdraw func()) {
	o.mu.Lock()
	o.open = true
	o.mu.Unlock()
	o.n.Offer(FaultCrashConsumer, "consumer",
		"the consumer crashes right after processing the next message it is handed, before its ack: the server redelivers what it held after AckWait",
		func() error {
			return o.request(&o.crashes, "crash requested in the lab, after processing a message, before its ack")
		})
	o.n.Offer(FaultStallConsumer, "consumer",
		fmt.Sprintf("the consumer stops for %s on the next message it is handed, longer than AckWait: the server redelivers it", o.stall),
		func() error { return o.request(&o.stalls, fmt.Sprintf("stall of %s requested in the lab", o.stall)) })
	return func() {
		o.n.Withdraw(FaultCrashConsumer)
		o.n.Withdraw(FaultStallConsumer)
		o.mu.Lock()
		o.open = false
		o.mu.Unlock()
	}
}

// request accepts a fault while a message is still to be processed, and
// plans it: if it never happens, the verdict says so.
func (o *onDemand) request(queue *[]*narrate.PlannedFault, what string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.open || o.left == 0 {
		return fmt.Errorf("too late: every message of this act has been processed")
	}
	*queue = append(*queue, o.n.Plan("consumer", what))
	return nil
}

// take removes the first pending request of queue, if any.
func take(queue *[]*narrate.PlannedFault) *narrate.PlannedFault {
	if len(*queue) == 0 {
		return nil
	}
	f := (*queue)[0]
	*queue = (*queue)[1:]
	return f
}

// wrap injects the requested faults into the consumer's handler.
func (o *onDemand) wrap(next Handler) Handler {
	return func(ctx context.Context, m Message) error {
		o.mu.Lock()
		for i := range o.crashed {
			if c := &o.crashed[i]; c.id == m.ID && m.Delivery > c.delivery {
				c.cameBack = true
			}
		}
		stall := take(&o.stalls)
		o.mu.Unlock()
		if stall != nil {
			stall.Fire("%s stops for %s holding message %d (requested in the lab), longer than AckWait", o.consumer(), o.stall, m.ID)
			t := time.NewTimer(o.stall)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
			o.n.Step(o.consumer(), "back after the stall, with message %d", m.ID)
		}
		if err := next(ctx, m); err != nil {
			return err
		}
		o.mu.Lock()
		if m.ID < uint64(len(o.processed)) && !o.processed[m.ID] {
			o.processed[m.ID] = true
			o.left--
		}
		crash := take(&o.crashes)
		if crash != nil {
			o.crashed = append(o.crashed, crashedOn{id: m.ID, delivery: m.Delivery})
		}
		o.mu.Unlock()
		if crash == nil {
			return nil
		}
		crash.Fire("%s processed message %d, then crashed before acking it (requested in the lab); the messages it had pulled are not acked either", o.consumer(), m.ID)
		return ErrConsumerCrashed
	}
}

// check adds one check per requested crash to the verdict: the message the
// consumer processed and never acked was delivered again.
func (o *onDemand) check(d *demo, name string) {
	o.mu.Lock()
	crashed := append([]crashedOn(nil), o.crashed...)
	o.mu.Unlock()
	for _, c := range crashed {
		if !d.check(name, c.cameBack, "message %d, processed and never acked at the crash requested in the lab, was delivered again", c.id) {
			d.violate("%s: message %d was never delivered again after the requested crash", name, c.id)
		}
	}
}

// labRun is what a JetStream act adds to its workload in JSON mode: traced
// deliveries, the series, and the faults on demand. Without JSON mode it
// adds nothing.
type labRun struct {
	n         *narrate.Narrator
	instances *instances
	requested *onDemand
	stop      []func()
}

// newLabRun prepares the lab's view of one act of messages; jetStream
// says whether its consumer can crash and be replaced (faults on demand).
func (d *demo) newLabRun(messages int, jetStream bool) *labRun {
	if !d.n.JSONMode() {
		return nil
	}
	l := &labRun{n: d.n, instances: newInstances()}
	if jetStream {
		l.requested = newOnDemand(d.n, messages, 2*d.cfg.AckWait, l.instances.name)
	}
	return l
}

// restarted tells the lab's view that consumer instance next took over.
func (l *labRun) restarted(next int) {
	if l != nil {
		l.instances.restarted(next)
	}
}

// replaced says which instance runs now when a crash requested in the lab
// replaced consumer-1 before the act's own crash ("" otherwise).
func (l *labRun) replaced() string {
	if l == nil || l.instances.current.Load() == 1 {
		return ""
	}
	return fmt.Sprintf(" (%s by now: a crash requested in the lab came first)", l.instances.name())
}

// fault wraps inner (the act's own fault, or nil) with the lab's.
func (l *labRun) fault(from string, w Workload, inner func(Handler) Handler) func(Handler) Handler {
	if l == nil {
		return inner
	}
	consumer := func() string { return "consumer" }
	var requested func(Handler) Handler
	if l.requested != nil {
		consumer, requested = l.instances.name, l.requested.wrap
	}
	return chain(traced(l.n, from, consumer, traceEvery(w.Messages)), requested, inner)
}

// start begins the series and the offers for the act's run on s.
func (l *labRun) start(s Strategy) {
	if l == nil {
		return
	}
	l.stop = append(l.stop, sampleSeries(l.n, s))
	if l.requested != nil {
		l.stop = append(l.stop, l.requested.offer())
	}
}

// end stops what start began.
func (l *labRun) end() {
	if l == nil {
		return
	}
	for _, stop := range l.stop {
		stop()
	}
	l.stop = nil
}

// check adds the checks of the requested crashes to the verdict.
func (l *labRun) check(d *demo, name string) {
	if l != nil && l.requested != nil {
		l.requested.check(d, name)
	}
}
