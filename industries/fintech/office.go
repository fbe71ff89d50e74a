package fintech

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/patternlab/patternlab/industries/fintech/payment"
	"github.com/patternlab/patternlab/industries/fintech/risk"
	"github.com/patternlab/patternlab/industries/fintech/traffic"
	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/narrate"
)

// How long a payment waits for the risk service before it is refused as
// risk-unavailable: a few tries, a short pause between them.
const (
	screenAttempts = 3
	screenPause    = 50 * time.Millisecond
	// starters bounds the saga starts in flight: screening stays one at a
	// time, in arrival order (the velocity window depends on that order).
	starters = 16
)

// office is the clearing house's payment office. It takes the banks'
// instructions off the instructions' stream one at a time, in arrival
// order; dead-letters what is malformed; screens the rest with the risk
// service (failing closed); and starts one saga per payment, whose
// workflow ID is the payment's key, so Temporal itself refuses a second
// saga for a payment it already has.
type office struct {
	d    *demo
	risk risk.Client

	mu       sync.Mutex
	payments map[string]*record // by payment ID
	order    []string           // payment IDs, in order of first arrival
	dups     int                // messages absorbed as resends
	dropped  int                // malformed messages dropped (-dead-letters=false)
	starts   sync.WaitGroup
	slots    chan struct{}
	err      error // the first start that failed for another reason than a resend

	// The lab's resend-instruction (resend.go): how many messages the
	// intake takes in (the day's, and each resend asked for), whether it
	// has stopped, the last instruction it took in, and the planned fault
	// of each resend by its stream sequence.
	want         int
	intakeClosed bool
	last         []byte
	lastIn       traffic.Instruction
	resent       map[uint64]*narrate.PlannedFault
	resends      int
}

// record is what the office knows of one payment.
type record struct {
	ID         string
	In         traffic.Instruction
	Seq        uint64    // the stream sequence of its first message
	Arrived    time.Time // when the server stored that message
	Decision   risk.Decision
	Unscreened bool
	Copies     int // messages that carried it
	run        client.WorkflowRun
	Result     payment.Result
	Closed     time.Time
}

func newOffice(d *demo) *office {
	return &office{
		d:        d,
		risk:     risk.Client{NC: d.nc, Subject: d.risk.Subject},
		payments: map[string]*record{},
		slots:    make(chan struct{}, starters),
		resent:   map[uint64]*narrate.PlannedFault{},
	}
}

// serve takes want messages off the stream, then waits for every saga
// start.
func (o *office) serve(ctx context.Context, want int) error {
	cons, err := o.d.js.CreateOrUpdateConsumer(ctx, o.d.names.payments, jetstream.ConsumerConfig{
		Durable: "intake", AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 4 * starters, AckWait: time.Minute,
	})
	if err != nil {
		return fmt.Errorf("intake consumer: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	defer it.Stop()
	o.mu.Lock()
	o.want = want
	o.mu.Unlock()
	for got := 0; o.more(got); got++ {
		m, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return fmt.Errorf("intake after %d of %d messages: %w", got, want, err)
		}
		if err := o.handle(ctx, m); err != nil {
			return err
		}
		if err := o.failed(); err != nil {
			return err
		}
	}
	o.starts.Wait()
	return o.failed()
}

// more says whether the intake has more messages to take in after got;
// when it has not, no resend is accepted any more.
func (o *office) more(got int) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if got < o.want {
		return true
	}
	o.intakeClosed = true
	return false
}

func (o *office) failed() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// handle is one message.
func (o *office) handle(ctx context.Context, m jetstream.Msg) error {
	md, err := m.Metadata()
	if err != nil {
		return err
	}
	in, err := traffic.Parse(m.Data())
	if err != nil {
		o.d.faults.malformedArrived()
		return o.refuse(ctx, m, md.Sequence.Stream, err)
	}
	o.tookIn(m, md.Sequence.Stream, in)
	id := in.ID
	if !o.d.cfg.Idempotency {
		id = messageKeyed(in.ID, md.Sequence.Stream) // keyed by the message: the bug
	}
	o.d.faults.arrived(in)
	o.d.n.Message(in.PayerBank(), "office", "instruction "+in.ID, in.ID)
	if err := o.d.faults.beforeScreen(ctx, in); err != nil {
		return err
	}
	o.d.n.Message("office", "risk", "screen", id)
	dec, unscreened := o.screen(ctx, id, in)
	if !unscreened && dec.Rule != "unavailable" {
		o.d.n.Message("risk", "office", map[bool]string{true: "approved", false: "refused: " + dec.Rule}[dec.Approved], id)
	}
	o.mu.Lock()
	r, known := o.payments[id]
	if !known {
		r = &record{ID: id, In: in, Seq: md.Sequence.Stream, Arrived: md.Timestamp, Decision: dec, Unscreened: unscreened}
		o.payments[id] = r
		o.order = append(o.order, id)
	}
	r.Copies++
	o.mu.Unlock()
	o.slots <- struct{}{}
	o.starts.Add(1)
	go func() {
		defer o.starts.Done()
		defer func() { <-o.slots }()
		o.start(ctx, m, r, dec, unscreened)
	}()
	return nil
}

// refuse dead-letters a malformed message with its reason, then acks it.
func (o *office) refuse(ctx context.Context, m jetstream.Msg, seq uint64, why error) error {
	if !o.d.cfg.DeadLetters {
		o.mu.Lock()
		o.dropped++
		o.mu.Unlock()
		return m.Ack()
	}
	kind := "malformed"
	var bad *traffic.Malformed
	if errors.As(why, &bad) {
		kind = bad.Kind
	}
	l := deadletter.FromJetStream(m, why.Error())
	l.ID = fmt.Sprintf("%s.%d", o.d.names.payments, seq)
	if err := o.d.dlq.Send(ctx, kind, l); err != nil {
		return err // not stored: not acked, the server redelivers it
	}
	return m.Ack()
}

// screen asks the risk service, a few times. No decision is a refusal
// (fail closed), or, with -fail-closed=false, an unscreened pass.
func (o *office) screen(ctx context.Context, id string, in traffic.Instruction) (risk.Decision, bool) {
	var err error
	for attempt := 1; attempt <= screenAttempts; attempt++ {
		var dec risk.Decision
		if dec, err = o.risk.Screen(ctx, risk.Request{Payment: id, Instruction: in}); err == nil {
			return dec, false
		}
		if attempt < screenAttempts {
			t := time.NewTimer(screenPause)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
		}
	}
	o.d.faults.metOutage(in)
	if !o.d.cfg.FailClosed {
		return risk.Decision{Payment: id, Approved: true, Rule: "unscreened"}, true
	}
	return risk.Decision{Payment: id, Rule: "unavailable",
		Reason: fmt.Sprintf("%s: no answer to %d requests", risk.ErrUnavailable, screenAttempts)}, false
}

// start starts the payment's saga, or finds it started: then this message
// was a resend. A start the server did not answer in time may or may not
// have started the workflow, so it is asked again; if the workflow then
// exists, it is this message's own start unless another message's start
// already took the payment.
func (o *office) start(ctx context.Context, m jetstream.Msg, r *record, dec risk.Decision, unscreened bool) {
	in := payment.Input{Payment: payment.Payment{ID: r.ID, Instruction: r.In}, Decision: dec, Unsafe: o.d.unsafe()}
	id := o.d.names.workflows + r.ID
	var (
		run       client.WorkflowRun
		err       error
		ambiguous bool // an earlier attempt of this message timed out
	)
	for {
		run, err = o.d.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID:                    id,
			TaskQueue:             o.d.names.taskQueue,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			// A running workflow with this ID is an error too, not its handle.
			WorkflowExecutionErrorWhenAlreadyStarted: true,
		}, payment.PaymentSaga, in)
		if !timedOut(ctx, err) {
			break
		}
		ambiguous = true
	}
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case errors.As(err, &started) && ambiguous && r.run == nil:
		r.run = o.d.tc.GetWorkflow(ctx, id, "")
		o.d.started = append(o.d.started, id)
	case errors.As(err, &started):
		o.dups++
	case err != nil:
		if o.err == nil {
			o.err = fmt.Errorf("start the saga of %s: %w", r.ID, err)
		}
		return
	default:
		r.run = run
		o.d.started = append(o.d.started, run.GetID())
		o.d.n.Message("office", "temporal", "start saga", r.ID)
		o.d.n.Sample("sagas started", float64(len(o.d.started)), "")
	}
	_ = m.Ack()
}

// timedOut reports a call to Temporal that ran out of its own deadline
// (the SDK's per-call timeout: 10 s for a start, 65 s for the long poll
// of a result) while ctx still has time: on a loaded machine the server
// can be that slow, and each of these calls is safe to make again.
func timedOut(ctx context.Context, err error) bool {
	var de *serviceerror.DeadlineExceeded
	return err != nil && ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &de))
}

// settle waits for every saga's result, and when it closed.
func (o *office) settle(ctx context.Context) error {
	for _, id := range o.order {
		r := o.payments[id]
		if err := o.wait(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func (o *office) wait(ctx context.Context, r *record) error {
	if r.run == nil || r.Result.Status != "" {
		return nil
	}
	err := r.run.Get(ctx, &r.Result)
	for timedOut(ctx, err) {
		err = r.run.Get(ctx, &r.Result)
	}
	if err != nil {
		return fmt.Errorf("saga of %s: %w", r.ID, err)
	}
	o.d.n.Message("temporal", "office", string(r.Result.Status), r.ID)
	desc, err := o.d.tc.DescribeWorkflow(ctx, r.run.GetID(), r.run.GetRunID())
	for timedOut(ctx, err) {
		desc, err = o.d.tc.DescribeWorkflow(ctx, r.run.GetID(), r.run.GetRunID())
	}
	if err != nil {
		return fmt.Errorf("describe the saga of %s: %w", r.ID, err)
	}
	if desc.WorkflowCloseTime == nil {
		return fmt.Errorf("the saga of %s has a result but no close time", r.ID)
	}
	r.Closed = *desc.WorkflowCloseTime
	return nil
}
