package saga

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// ParticipantOptions configures a choreography participant.
type ParticipantOptions struct {
	// Prefix of the subjects and the stream (default "saga").
	Prefix string
	// Plan supplies the redelivery faults (nil: none).
	Plan *Plan
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
}

func (o *ParticipantOptions) defaults() {
	if o.Prefix == "" {
		o.Prefix = "saga"
	}
	if o.AckWait == 0 {
		o.AckWait = 5 * time.Second
	}
	if o.RetryDelay == 0 {
		o.RetryDelay = 20 * time.Millisecond
	}
}

// Participant is one service in the choreography: a durable JetStream
// consumer that runs the service's step for each event it reacts to and
// publishes the outcome. Because the consumer is durable, a participant that
// crashes resumes, when it comes back, at the first event it had not
// acknowledged.
type Participant struct {
	svc  *Service
	opts ParticipantOptions
	nc   *nats.Conn
	js   jetstream.JetStream
	cc   jetstream.ConsumeContext
	sub  *nats.Subscription
	// ctx ends when the participant stops: an event being handled then
	// is abandoned, as in a crash.
	ctx    context.Context
	cancel context.CancelFunc

	mu          sync.Mutex
	redelivered map[Key]bool
}

// StartParticipant connects svc to the choreography on the NATS server at
// url: it creates (or finds) the service's durable consumer and starts
// consuming. The stream must exist (EnsureStream).
func StartParticipant(ctx context.Context, url string, svc *Service, o ParticipantOptions) (*Participant, error) {
	o.defaults()
	nc, err := natsembed.Connect(url, "saga-"+svc.Name)
	if err != nil {
		return nil, err
	}
	p := &Participant{svc: svc, opts: o, nc: nc, redelivered: map[Key]bool{}}
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
	var filters []string
	for ev := range reactions[p.svc.Name] {
		filters = append(filters, subject(p.opts.Prefix, ev))
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, streamName(p.opts.Prefix), jetstream.ConsumerConfig{
		Durable:        p.svc.Name,
		FilterSubjects: filters,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        p.opts.AckWait,
		MaxDeliver:     -1,
	})
	if err != nil {
		return fmt.Errorf("%s: durable consumer: %w", p.svc.Name, err)
	}
	if p.sub, err = serveState(p.nc, p.opts.Prefix, p.svc); err != nil {
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
		p.deadLetter(ctx, m, fmt.Sprintf("malformed event: %v", err))
		return
	}
	r, ok := reactions[p.svc.Name][ev.Type]
	if !ok {
		p.deadLetter(ctx, m, fmt.Sprintf("%s does not react to %q", p.svc.Name, ev.Type))
		return
	}
	key := Key{ev.Order.ID, r.step}
	res, err := p.svc.Do(r.step, ev.Order)
	next := Event{Order: ev.Order, Reason: ev.Reason} // compensations carry the saga's reason on
	var declined *DeclinedError
	switch {
	case errors.As(err, &declined):
		next.Type, next.Reason = r.onDeclined, declined.Reason
	case errors.Is(err, ErrTransient) && r.onDeclined != "" && res.Attempt >= MaxForwardAttempts:
		// The service knows the step did not apply: giving up is safe.
		reason := fmt.Sprintf("gave up after %d attempts", res.Attempt)
		if err := p.svc.Ledger.GiveUp(key, reason); err != nil {
			_ = m.NakWithDelay(p.opts.RetryDelay)
			return
		}
		next.Type, next.Reason = r.onDeclined, reason
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

// loseAck reports whether the schedule loses the ack of this delivery, so
// JetStream delivers the event again: once per key, after the step applied.
func (p *Participant) loseAck(k Key, res Result) bool {
	if p.opts.Plan == nil || res.Duplicate || !p.opts.Plan.Fault(k).Redeliver {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.redelivered[k] {
		return false
	}
	p.redelivered[k] = true
	return true
}

func (p *Participant) publish(ctx context.Context, ev Event) error {
	return publishEvent(ctx, p.js, p.opts.Prefix, ev, p.opts.DuplicateEvents)
}

// deadLetter parks a message nobody can handle on "<prefix>.dead.<service>"
// with the reason, and terminates it: it is kept, not lost, and not retried.
func (p *Participant) deadLetter(ctx context.Context, m jetstream.Msg, reason string) {
	msg := nats.NewMsg(deadSubject(p.opts.Prefix, p.svc.Name))
	msg.Data = m.Data()
	msg.Header.Set("Saga-Dead-Reason", reason)
	msg.Header.Set("Saga-Dead-Subject", m.Subject())
	if _, err := p.js.PublishMsg(ctx, msg); err != nil {
		_ = m.NakWithDelay(p.opts.RetryDelay)
		return
	}
	_ = m.TermWithReason(reason)
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

// Subjects: events and dead letters are kept in the stream; the state and
// step endpoints (request/reply) live outside it.
func subject(prefix string, ev EventType) string { return prefix + ".events." + string(ev) }

func deadSubject(prefix, service string) string { return prefix + ".dead." + service }

func streamName(prefix string) string { return "SAGA_" + sanitize(prefix) }

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
