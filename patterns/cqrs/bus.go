package cqrs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/middleware/eventhandler/ephemeral"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/deadletter"
)

// EventBus is an eventhorizon.EventBus on the nats.go jetstream API whose
// handlers consume the event log itself. An event the store appended is on
// the bus as soon as the append is acknowledged: there is no second publish
// that a crash could lose, and no second stream to keep in step.
//
// Each handler gets a durable pull consumer named "<appID>_<handler type>",
// so buses with the same app ID share the work, and a handler that restarts
// resumes where it last acknowledged. A consumer holds at most one
// unacknowledged event, which keeps every aggregate's events in order for
// eventhorizon's projector, at the price of one round trip per event. A
// message that is not an event goes to the log's dead-letter stream with
// its reason before it is acknowledged.
type EventBus struct {
	js      jetstream.JetStream
	stream  jetstream.Stream
	log     Log
	codec   codec
	appID   string
	ackWait time.Duration
	deliver jetstream.DeliverPolicy
	dlq     *deadletter.Queue

	// termUndecodable is the demo's -dead-letters=false: terminate an
	// undecodable message without storing it anywhere, as this bus once did.
	termUndecodable bool

	ctx    context.Context //nolint:containedctx // the bus's lifetime, cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	errs   chan error

	mu         sync.Mutex
	registered map[eh.EventHandlerType]struct{}
	iterators  []jetstream.MessagesContext
	ephemeral  []string
}

// BusOption configures an EventBus.
type BusOption func(*EventBus)

// WithAckWait sets how long the server waits for a handler's ack before it
// redelivers the event (after a crash, that is how long recovery waits).
func WithAckWait(d time.Duration) BusOption { return func(b *EventBus) { b.ackWait = d } }

// WithReplayFromStart makes a handler that has no consumer yet start at the
// first event of the log instead of at the next one.
func WithReplayFromStart() BusOption {
	return func(b *EventBus) { b.deliver = jetstream.DeliverAllPolicy }
}

// DefaultAckWait is the redelivery delay when no option sets one.
const DefaultAckWait = 5 * time.Second

var _ eh.EventBus = (*EventBus)(nil)

// NewEventBus ensures the log's stream and its dead-letter stream exist and
// returns a bus on them for application appID. The caller owns the
// connection behind js.
func NewEventBus(ctx context.Context, js jetstream.JetStream, l Log, appID string, opts ...BusOption) (*EventBus, error) {
	if err := checkToken(appID); err != nil {
		return nil, fmt.Errorf("app id %q: %w", appID, err)
	}
	stream, err := l.Ensure(ctx, js)
	if err != nil {
		return nil, err
	}
	dlq, err := deadletter.Open(ctx, js, l.DeadLetterStream(), l.DeadLetterSubject())
	if err != nil {
		return nil, err
	}
	bctx, cancel := context.WithCancel(context.Background())
	b := &EventBus{
		js: js, stream: stream, log: l, codec: newCodec(l), appID: appID, dlq: dlq,
		ackWait: DefaultAckWait, deliver: jetstream.DeliverNewPolicy,
		ctx: bctx, cancel: cancel, errs: make(chan error, 100),
		registered: map[eh.EventHandlerType]struct{}{},
	}
	for _, o := range opts {
		o(b)
	}
	return b, nil
}

// HandlerType implements eventhorizon.EventHandler.
func (b *EventBus) HandlerType() eh.EventHandlerType { return "eventbus" }

// HandleEvent publishes an event to the log without a version check, for
// events that do not come from the event store. Events the store saved are
// already on the bus and must not be published again.
func (b *EventBus) HandleEvent(ctx context.Context, e eh.Event) error {
	m, err := b.codec.encode(ctx, e)
	if err != nil {
		return fmt.Errorf("publish %s: %w", e, err)
	}
	if _, err := b.js.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("publish %s: %w", e, err)
	}
	return nil
}

// AddHandler implements eventhorizon.EventBus: it creates (or rebinds to)
// the handler's consumer and starts delivering matching events to it.
func (b *EventBus) AddHandler(ctx context.Context, m eh.EventMatcher, h eh.EventHandler) error {
	if m == nil {
		return eh.ErrMissingMatcher
	}
	if h == nil {
		return eh.ErrMissingHandler
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.registered[h.HandlerType()]; ok {
		return eh.ErrHandlerAlreadyAdded
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       consumerName(b.appID, h.HandlerType()),
		FilterSubject: b.filter(m),
		DeliverPolicy: b.deliver,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       b.ackWait,
		MaxAckPending: 1,
		MaxDeliver:    -1,
	}
	if isEphemeral(h) {
		cfg.InactiveThreshold = time.Minute
	}
	cons, err := b.stream.CreateOrUpdateConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("add handler %s: consumer %s: %w", h.HandlerType(), cfg.Durable, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("add handler %s: consume: %w", h.HandlerType(), err)
	}
	b.registered[h.HandlerType()] = struct{}{}
	b.iterators = append(b.iterators, it)
	if cfg.InactiveThreshold > 0 {
		b.ephemeral = append(b.ephemeral, cfg.Durable)
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.deliverTo(it, m, h)
	}()
	return nil
}

// filter narrows the consumer on the server when the matcher names one
// aggregate type; other matchers are applied to each decoded event.
func (b *EventBus) filter(m eh.EventMatcher) string {
	if types, ok := m.(eh.MatchAggregates); ok && len(types) == 1 && checkToken(string(types[0])) == nil {
		return b.log.typeFilter(types[0])
	}
	return b.log.all()
}

// deliverTo runs until Close: one event at a time, acked after the handler
// succeeds, redelivered after a delay when it fails.
func (b *EventBus) deliverTo(it jetstream.MessagesContext, m eh.EventMatcher, h eh.EventHandler) {
	for {
		msg, err := it.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) || b.ctx.Err() != nil || b.js.Conn().IsClosed() {
				return
			}
			b.report(&eh.EventBusError{Err: fmt.Errorf("consume for %s: %w", h.HandlerType(), err), Ctx: b.ctx})
			continue
		}
		b.deliver1(msg, m, h)
	}
}

func (b *EventBus) deliver1(msg jetstream.Msg, m eh.EventMatcher, h eh.EventHandler) {
	e, ctx, err := b.codec.decode(b.ctx, msg.Subject(), msg.Data())
	if err != nil {
		b.refuse(msg, h, err)
		return
	}
	if !m.Match(e) {
		_ = msg.Ack()
		return
	}
	attempt, seq := 1, uint64(0)
	if md, err := msg.Metadata(); err == nil {
		attempt, seq = int(md.NumDelivered), md.Sequence.Stream
	}
	if err := h.HandleEvent(withDelivery(ctx, delivery{attempt: attempt, seq: seq}), e); err != nil {
		b.report(&eh.EventBusError{Err: fmt.Errorf("could not handle event (%s): %w", h.HandlerType(), err), Ctx: ctx, Event: e})
		_ = msg.NakWithDelay(retryDelay(attempt))
		return
	}
	_ = msg.Ack()
}

// HeaderLogSequence, on a dead letter, is the stream sequence of the
// message it refused.
const HeaderLogSequence = "Eh-Log-Sequence"

// refuse handles a message that is not an event and never will be: it is
// stored as a dead letter (with the reason, its subject and headers) and
// only then acknowledged, so the consumer moves on and nothing is lost. The
// letter's ID is the message's place in the log, so the several handlers
// that each refuse it leave one letter. If the letter cannot be stored,
// the message is redelivered later rather than acknowledged.
func (b *EventBus) refuse(msg jetstream.Msg, h eh.EventHandler, reason error) {
	b.report(&eh.EventBusError{Err: fmt.Errorf("could not decode event for %s: %w", h.HandlerType(), reason), Ctx: b.ctx})
	if b.termUndecodable {
		_ = msg.Term()
		return
	}
	md, err := msg.Metadata()
	if err != nil {
		_ = msg.NakWithDelay(time.Second)
		return
	}
	hdr := nats.Header{}
	for k, vs := range msg.Headers() {
		hdr[k] = append([]string(nil), vs...)
	}
	hdr.Set(HeaderLogSequence, strconv.FormatUint(md.Sequence.Stream, 10))
	letter := deadletter.Letter{
		Subject: msg.Subject(), Header: hdr, Data: msg.Data(), Reason: reason.Error(),
		ID: fmt.Sprintf("%s.%d", b.log.Stream, md.Sequence.Stream),
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if err := b.dlq.Send(ctx, "undecodable", letter); err != nil {
		b.report(&eh.EventBusError{Err: fmt.Errorf("dead-letter for %s: %w", h.HandlerType(), err), Ctx: b.ctx})
		_ = msg.NakWithDelay(retryDelay(int(md.NumDelivered)))
		return
	}
	_ = msg.Ack()
}

// DeadLetters reads back every dead letter of the log, as the server holds
// them.
func DeadLetters(ctx context.Context, js jetstream.JetStream, l Log) ([]deadletter.Letter, error) {
	return deadletter.Read(ctx, js, l.DeadLetterStream())
}

// LetterSequence is the log sequence a dead letter refused (0 if it names none).
func LetterSequence(l deadletter.Letter) uint64 {
	seq, err := strconv.ParseUint(l.Header.Get(HeaderLogSequence), 10, 64)
	if err != nil { // ParseUint returns the largest uint64 for one out of range
		return 0
	}
	return seq
}

// retryDelay backs off a failing handler: 100ms, 200ms, ... up to 5s.
func retryDelay(attempt int) time.Duration {
	return min(time.Duration(attempt)*100*time.Millisecond, 5*time.Second)
}

func (b *EventBus) report(err error) {
	select {
	case b.errs <- err:
	default: // nobody reads errors: drop rather than stall delivery
	}
}

// Errors implements eventhorizon.EventBus: handler failures, asynchronously.
func (b *EventBus) Errors() <-chan error { return b.errs }

// Close stops every handler, waits for the one in flight to finish, and
// removes the consumers of ephemeral handlers. Durable consumers stay, so a
// restarted handler resumes where it stopped.
func (b *EventBus) Close() error {
	b.cancel()
	b.mu.Lock()
	iterators, ephemeralNames := b.iterators, b.ephemeral
	b.iterators, b.ephemeral = nil, nil
	b.mu.Unlock()
	for _, it := range iterators {
		it.Stop()
	}
	b.wg.Wait()
	if b.js.Conn().IsClosed() {
		return nil
	}
	var errs []error
	for _, name := range ephemeralNames {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := b.stream.DeleteConsumer(ctx, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			errs = append(errs, fmt.Errorf("delete consumer %s: %w", name, err))
		}
		cancel()
	}
	return errors.Join(errs...)
}

// consumerName makes "<appID>_<handler type>" safe as a consumer name.
func consumerName(appID string, t eh.EventHandlerType) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(".*> \t\r\n/\\", r) {
			return '_'
		}
		return r
	}, appID+"_"+string(t))
}

// isEphemeral walks a middleware chain looking for eventhorizon's ephemeral
// marker.
func isEphemeral(h eh.EventHandler) bool {
	for h != nil {
		if e, ok := h.(ephemeral.EphemeralHandler); ok {
			return e.IsEphemeralHandler()
		}
		c, ok := h.(eh.EventHandlerChain)
		if !ok {
			return false
		}
		h = c.InnerHandler()
	}
	return false
}

// delivery is what the bus knows about the event being handled.
type delivery struct {
	attempt int
	seq     uint64
}

type deliveryKey struct{}

func withDelivery(ctx context.Context, d delivery) context.Context {
	return context.WithValue(ctx, deliveryKey{}, d)
}

// DeliveryAttempt is how many times the bus has delivered the event being
// handled: 1 the first time, more after a crash or a failed attempt.
func DeliveryAttempt(ctx context.Context) int {
	if d, ok := ctx.Value(deliveryKey{}).(delivery); ok {
		return d.attempt
	}
	return 1
}

// LogSequence is the stream sequence of the event being handled (0 when the
// event did not come from the log): the one order every reader agrees on.
func LogSequence(ctx context.Context) uint64 {
	d, _ := ctx.Value(deliveryKey{}).(delivery)
	return d.seq
}
