package choreography

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// NoteAckLost is the journal note of an ack the schedule lost: JetStream
// delivers the event again.
const NoteAckLost ledger.NoteKind = "ack-lost"

// ParticipantOptions configures a choreography participant.
type ParticipantOptions struct {
	// Prefix of the subjects: events on "<prefix>.events.<type>", dead
	// letters on "<prefix>.dead.<kind>" (default "saga").
	Prefix string
	// Stream and DeadLetterStream name the streams (default
	// StreamName(Prefix) and DeadLetterStreamName(Prefix)).
	Stream, DeadLetterStream string
	// Plan supplies the lost acks (nil: none).
	Plan *shop.Plan
	// AckWait is how long JetStream waits for an ack before it delivers
	// a message again (default 5s): the recovery time after a crash
	// mid-message.
	AckWait time.Duration
	// RetryDelay is how long a transiently failed event waits before it is
	// delivered again (default 20ms).
	RetryDelay time.Duration
	// DuplicateEvents publishes every event twice under distinct message
	// IDs, so JetStream's de-duplication cannot help: every event reaches
	// its consumer twice. Tests use it.
	DuplicateEvents bool
	// Unsafe turns safeguards off, to show what each one is for.
	Unsafe Unsafe
}

// Unsafe turns off safeguards of the choreography; the zero value keeps
// them all.
type Unsafe struct {
	// NoCompensation: nobody reacts to a failure event, so nothing is
	// undone; the orders service ends the saga there, failed.
	NoCompensation bool
	// NoCompensationRetries: a compensation that fails once gives up
	// (CompensationFailed) instead of being delivered again until it
	// succeeds.
	NoCompensationRetries bool
}

func (o *ParticipantOptions) defaults() {
	if o.Prefix == "" {
		o.Prefix = "saga"
	}
	if o.Stream == "" {
		o.Stream = StreamName(o.Prefix)
	}
	if o.DeadLetterStream == "" {
		o.DeadLetterStream = DeadLetterStreamName(o.Prefix)
	}
	if o.AckWait == 0 {
		o.AckWait = 5 * time.Second
	}
	if o.RetryDelay == 0 {
		o.RetryDelay = 20 * time.Millisecond
	}
}

// reactionsOf is what service reacts to under these options.
func (o ParticipantOptions) reactionsOf(service string) map[EventType]reaction {
	out := map[EventType]reaction{}
	for ev, r := range reactions[service] {
		if r.compensation() && o.Unsafe.NoCompensation {
			continue
		}
		out[ev] = r
	}
	return out
}

// Participant is one service in the choreography: a durable JetStream
// consumer that runs the service's step for each event it reacts to and
// publishes the outcome. Because the consumer is durable, a participant that
// crashes resumes, when it comes back, at the first event it had not
// acknowledged.
type Participant struct {
	svc       *shop.Service
	opts      ParticipantOptions
	reactions map[EventType]reaction
	nc        *nats.Conn
	js        jetstream.JetStream
	dead      *deadletter.Queue
	cc        jetstream.ConsumeContext
	sub       *nats.Subscription
	// ctx ends when the participant stops: an event being handled then
	// is abandoned, as in a crash.
	ctx    context.Context
	cancel context.CancelFunc

	mu          sync.Mutex
	redelivered map[ledger.Key]bool
}

// StartParticipant connects svc to the choreography on the NATS server at
// url: it creates (or finds) the service's durable consumer and starts
// consuming. The streams must exist (StartChoreography creates them).
func StartParticipant(ctx context.Context, url string, svc *shop.Service, o ParticipantOptions) (*Participant, error) {
	o.defaults()
	nc, err := natsembed.Connect(url, "saga-"+svc.Name)
	if err != nil {
		return nil, err
	}
	p := &Participant{svc: svc, opts: o, reactions: o.reactionsOf(svc.Name), nc: nc, redelivered: map[ledger.Key]bool{}}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	if err := p.start(ctx); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

func (p *Participant) start(ctx context.Context) error {
	js, err := jetstream.New(p.nc)
	if err != nil {
		return fmt.Errorf("%s: jetstream: %w", p.svc.Name, err)
	}
	p.js = js
	if _, err := js.Stream(ctx, p.opts.DeadLetterStream); err != nil {
		return fmt.Errorf("%s: dead-letter stream %s: %w", p.svc.Name, p.opts.DeadLetterStream, err)
	}
	if p.dead, err = deadletter.Open(ctx, js, p.opts.DeadLetterStream, deadSubject(p.opts.Prefix)); err != nil {
		return fmt.Errorf("%s: %w", p.svc.Name, err)
	}
	var filters []string
	for _, ev := range eventOrder {
		if _, ok := p.reactions[ev]; ok {
			filters = append(filters, subject(p.opts.Prefix, ev))
		}
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, p.opts.Stream, jetstream.ConsumerConfig{
		Durable:        p.svc.Name,
		FilterSubjects: filters,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        p.opts.AckWait,
		MaxDeliver:     -1,
	})
	if err != nil {
		return fmt.Errorf("%s: durable consumer: %w", p.svc.Name, err)
	}
	if p.sub, err = shop.ServeState(p.nc, p.opts.Prefix, p.svc); err != nil {
		return err
	}
	p.cc, err = cons.Consume(func(m jetstream.Msg) { p.handle(p.ctx, m) })
	if err != nil {
		return fmt.Errorf("%s: consume: %w", p.svc.Name, err)
	}
	return nil
}

// Stop stops the participant the way a crash does: it stops consuming and
// drops its connection; whatever it had not acknowledged is delivered again
// after AckWait. Its ledger, like a database, survives.
func (p *Participant) Stop() {
	p.cancel()
	if p.cc != nil {
		p.cc.Stop()
		<-p.cc.Closed()
	}
	p.nc.Close()
}

// handle is the whole participant: decode, run the step (idempotently),
// publish the outcome, then acknowledge. Publishing before acknowledging
// means a crash in between delivers the event again; the ledger absorbs the
// duplicate and the same outcome is published again under the same message
// ID, which JetStream drops as a duplicate.
func (p *Participant) handle(ctx context.Context, m jetstream.Msg) {
	var ev Event
	if err := json.Unmarshal(m.Data(), &ev); err != nil || ev.Order.ID == "" {
		p.deadLetter(ctx, m, "malformed", fmt.Sprintf("malformed event: %v", orMissing(err, "no order ID")))
		return
	}
	r, ok := p.reactions[ev.Type]
	if !ok || m.Subject() != subject(p.opts.Prefix, ev.Type) {
		p.deadLetter(ctx, m, "foreign", fmt.Sprintf("%s does not react to %q on %s", p.svc.Name, ev.Type, m.Subject()))
		return
	}
	key := r.step.Key(ev.Order.ID)
	res, err := p.svc.Do(r.step, ev.Order)
	next := Event{Order: ev.Order, Reason: ev.Reason} // compensations carry the saga's reason on
	var declined *ledger.DeclinedError
	switch {
	case errors.As(err, &declined):
		next.Type, next.Reason = r.onDeclined, declined.Reason
	case errors.Is(err, ledger.ErrTransient) && !r.compensation() && res.Attempt >= shop.MaxForwardAttempts:
		// The service knows the step did not apply: giving up is safe,
		// once its key is settled so a late redelivery cannot apply it.
		reason := fmt.Sprintf("gave up after %d attempts", res.Attempt)
		e, err := p.svc.Ledger.Settle(key, reason)
		switch {
		case err != nil:
			_ = m.NakWithDelay(p.opts.RetryDelay)
			return
		case e.Effect == ledger.Applied: // settled meanwhile by another delivery
			next.Type = r.onApplied
		default:
			next.Type, next.Reason = r.onDeclined, e.Reason
		}
	case err != nil && r.compensation() && p.opts.Unsafe.NoCompensationRetries:
		next.Type = CompensationFailed
		next.Reason = fmt.Sprintf("%s; compensation %s gave up after 1 attempt(s)", ev.Reason, r.step)
	case err != nil:
		// Transient (or the store failed): deliver it again later.
		// Compensations take this path until they succeed.
		_ = m.NakWithDelay(p.opts.RetryDelay)
		return
	default:
		next.Type = r.onApplied
	}
	if err := p.publish(ctx, next); err != nil {
		_ = m.NakWithDelay(p.opts.RetryDelay)
		return
	}
	if p.loseAck(key, res) {
		_ = m.Nak()
		return
	}
	_ = m.Ack()
}

func orMissing(err error, missing string) string {
	if err != nil {
		return err.Error()
	}
	return missing
}

// loseAck reports whether the schedule loses the ack of this delivery, so
// JetStream delivers the event again: once per key, after the step settled.
func (p *Participant) loseAck(k ledger.Key, res ledger.Result) bool {
	if p.opts.Plan == nil || res.Duplicate || !p.opts.Plan.Fault(k).Redeliver {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.redelivered[k] {
		return false
	}
	p.redelivered[k] = true
	p.svc.Ledger.Journal(k, NoteAckLost, res.Attempt, "the ack is lost: JetStream delivers the event again")
	return true
}

func (p *Participant) publish(ctx context.Context, ev Event) error {
	return publishEvent(ctx, p.js, p.opts.Prefix, ev, p.opts.DuplicateEvents)
}

// deadLetter stores a message nobody can handle in the dead-letter stream,
// with the reason, its subject and its headers, and only then acknowledges
// it: it is kept, not lost, and not retried.
func (p *Participant) deadLetter(ctx context.Context, m jetstream.Msg, kind, reason string) {
	if err := p.dead.Send(ctx, kind, deadletter.FromJetStream(m, reason)); err != nil {
		_ = m.NakWithDelay(p.opts.RetryDelay)
		return
	}
	_ = m.Ack()
}

// publishEvent publishes ev under a message ID made of the saga and the
// event type, so a re-publication after a redelivery is de-duplicated by
// the stream. twice publishes it again under another ID (tests).
func publishEvent(ctx context.Context, js jetstream.JetStream, prefix string, ev Event, twice bool) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode %s: %w", ev.Type, err)
	}
	id := ev.Order.ID + "/" + string(ev.Type)
	if _, err := js.Publish(ctx, subject(prefix, ev.Type), data, jetstream.WithMsgID(id)); err != nil {
		return fmt.Errorf("publish %s for %s: %w", ev.Type, ev.Order.ID, err)
	}
	if twice {
		if _, err := js.Publish(ctx, subject(prefix, ev.Type), data, jetstream.WithMsgID(id+"/again")); err != nil {
			return fmt.Errorf("publish %s for %s again: %w", ev.Type, ev.Order.ID, err)
		}
	}
	return nil
}

// eventOrder lists the events in a fixed order, for consumer filters.
var eventOrder = []EventType{OrderPlaced, StockReserved, StockRejected, PaymentCharged, PaymentDeclined,
	ShipmentBooked, ShipmentFailed, PaymentRefunded, StockReleased, CompensationFailed}

// Subject is where events of type ev are published.
func Subject(prefix string, ev EventType) string { return subject(prefix, ev) }

func subject(prefix string, ev EventType) string { return prefix + ".events." + string(ev) }

func deadSubject(prefix string) string { return prefix + ".dead" }

// StreamName is the default name of the events stream of prefix.
func StreamName(prefix string) string { return "SAGA_" + sanitize(prefix) }

// DeadLetterStreamName is the default name of the dead-letter stream of
// prefix.
func DeadLetterStreamName(prefix string) string { return "SAGA_" + sanitize(prefix) + "_DEAD" }

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum {
			b[i] = '_'
		}
	}
	return string(b)
}
