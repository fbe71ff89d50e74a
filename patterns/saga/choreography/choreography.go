package choreography

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// ErrStreamExists refuses to start on a stream this run did not create:
// it may be someone else's, and a run neither reuses nor deletes it.
var ErrStreamExists = errors.New("stream already exists")

// Choreography runs the choreographed saga: a participant per local
// service and the orders service, which places orders and watches for the
// events that end a saga. A service missing from the local ones runs
// elsewhere (another process, a container) against the same streams.
//
// Place, Wait, Backlog, Quiesce, Snapshots and DeadLetters may be called
// concurrently; Crash, Restart and Close belong to the one goroutine that
// runs the show.
type Choreography struct {
	url      string
	opts     Options
	nc       *nats.Conn
	js       jetstream.JetStream
	dead     *deadletter.Queue
	services map[string]*shop.Service
	parts    map[string]*Participant
	board    *shop.Board
	tracker  jetstream.ConsumeContext
	created  []string // streams this run created
}

// Options configures a Choreography.
type Options struct {
	ParticipantOptions
	// KeepStreams uses streams that already exist (created by the process
	// that runs the rest of the choreography) instead of creating them.
	// Without it, an existing stream of the same name is an error
	// (ErrStreamExists): it is never reused nor deleted.
	KeepStreams bool
	// DeleteOnClose deletes, on Close, the streams this run created.
	DeleteOnClose bool
}

const trackerName = "orders"

// Start starts the participants of the local services and the orders
// service against the NATS server at url, creating the events and
// dead-letter streams unless o.KeepStreams.
func Start(ctx context.Context, url string, local map[string]*shop.Service, o Options) (*Choreography, error) {
	o.defaults()
	nc, err := natsembed.Connect(url, "saga-orders")
	if err != nil {
		return nil, err
	}
	c := &Choreography{url: url, opts: o, nc: nc, services: local, parts: map[string]*Participant{}, board: shop.NewBoard()}
	if err := c.start(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Choreography) start(ctx context.Context) error {
	js, err := jetstream.New(c.nc)
	if err != nil {
		return fmt.Errorf("orders: jetstream: %w", err)
	}
	c.js = js
	if !c.opts.KeepStreams {
		if err := c.createStreams(ctx); err != nil {
			return err
		}
	}
	if c.dead, err = deadletter.Open(ctx, js, c.opts.DeadLetterStream, deadSubject(c.opts.Prefix)); err != nil {
		return err
	}
	for _, name := range shop.Services {
		if svc, ok := c.services[name]; ok {
			p, err := StartParticipant(ctx, c.url, svc, c.opts.ParticipantOptions)
			if err != nil {
				return err
			}
			c.parts[name] = p
		}
	}
	ends := c.terminal()
	var filters []string
	for _, ev := range eventOrder {
		if _, ok := ends[ev]; ok {
			filters = append(filters, subject(c.opts.Prefix, ev))
		}
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, c.opts.Stream, jetstream.ConsumerConfig{
		Durable:        trackerName,
		FilterSubjects: filters,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        c.opts.AckWait,
		MaxDeliver:     -1,
	})
	if err != nil {
		return fmt.Errorf("orders: durable consumer: %w", err)
	}
	c.tracker, err = cons.Consume(func(m jetstream.Msg) { c.track(ends, m) })
	if err != nil {
		return fmt.Errorf("orders: consume: %w", err)
	}
	return nil
}

// createStreams creates the events stream and the dead-letter stream, and
// refuses names that exist already.
func (c *Choreography) createStreams(ctx context.Context) error {
	for _, name := range []string{c.opts.Stream, c.opts.DeadLetterStream} {
		_, err := c.js.Stream(ctx, name)
		switch {
		case err == nil:
			return fmt.Errorf("%w: %s (this run creates its own streams; use another prefix)", ErrStreamExists, name)
		case !errors.Is(err, jetstream.ErrStreamNotFound):
			return fmt.Errorf("look up stream %s: %w", name, err)
		}
	}
	_, err := c.js.CreateStream(ctx, jetstream.StreamConfig{
		Name:        c.opts.Stream,
		Description: "saga choreography events",
		Subjects:    []string{c.opts.Prefix + ".events.>"},
		Storage:     jetstream.FileStorage,
		Duplicates:  2 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("create stream %s: %w", c.opts.Stream, err)
	}
	c.created = append(c.created, c.opts.Stream)
	if _, err := deadletter.Open(ctx, c.js, c.opts.DeadLetterStream, deadSubject(c.opts.Prefix)); err != nil {
		return err
	}
	c.created = append(c.created, c.opts.DeadLetterStream)
	return nil
}

// terminal is which events end a saga, and how, under these options.
func (c *Choreography) terminal() map[EventType]shop.Status {
	out := map[EventType]shop.Status{}
	for ev, s := range terminal {
		out[ev] = s
	}
	if c.opts.Unsafe.NoCompensation {
		for ev, s := range withoutCompensation {
			out[ev] = s
		}
	}
	return out
}

// track is the orders service: it records how sagas end, and dead-letters
// what it cannot read.
func (c *Choreography) track(ends map[EventType]shop.Status, m jetstream.Msg) {
	var ev Event
	err := json.Unmarshal(m.Data(), &ev)
	status, ok := ends[ev.Type]
	if err != nil || ev.Order.ID == "" || !ok || m.Subject() != subject(c.opts.Prefix, ev.Type) {
		reason := fmt.Sprintf("orders cannot use %q on %s: %v", ev.Type, m.Subject(), orMissing(err, "not a terminal event"))
		if err := c.dead.Send(context.Background(), "malformed", deadletter.FromJetStream(m, reason)); err != nil {
			_ = m.NakWithDelay(c.opts.RetryDelay)
			return
		}
		_ = m.Ack()
		return
	}
	reason := ev.Reason
	if status == shop.Failed && c.opts.Unsafe.NoCompensation {
		reason += "; compensation is off, nothing was undone"
	}
	c.board.Record(shop.Outcome{Saga: ev.Order.ID, Status: status, Reason: reason})
	_ = m.Ack()
}

// Place starts a saga: the orders service publishes OrderPlaced.
func (c *Choreography) Place(ctx context.Context, o shop.Order) error {
	return publishEvent(ctx, c.js, c.opts.Prefix, Event{Type: OrderPlaced, Order: o}, c.opts.DuplicateEvents)
}

// Wait blocks until the orders service has seen the saga end.
func (c *Choreography) Wait(ctx context.Context, saga string) (shop.Outcome, error) {
	return c.board.Wait(ctx, saga)
}

// Outcomes returns the sagas that ended so far.
func (c *Choreography) Outcomes() map[string]shop.Outcome { return c.board.Outcomes() }

// Board is the orders service's record of how sagas ended.
func (c *Choreography) Board() *shop.Board { return c.board }

// Crash stops a local participant as a crash would.
func (c *Choreography) Crash(service string) error {
	p, ok := c.parts[service]
	if !ok {
		return fmt.Errorf("crash %s: not running here", service)
	}
	p.Stop()
	delete(c.parts, service)
	return nil
}

// Restart starts a crashed participant again on the same durable consumer
// and ledger.
func (c *Choreography) Restart(ctx context.Context, service string) error {
	if _, ok := c.parts[service]; ok {
		return fmt.Errorf("restart %s: already running", service)
	}
	p, err := StartParticipant(ctx, c.url, c.services[service], c.opts.ParticipantOptions)
	if err != nil {
		return err
	}
	c.parts[service] = p
	return nil
}

// Backlog is the number of events waiting for a service: not yet delivered,
// or delivered and not acknowledged.
func (c *Choreography) Backlog(ctx context.Context, consumer string) (int, error) {
	cons, err := c.js.Consumer(ctx, c.opts.Stream, consumer)
	if err != nil {
		return 0, fmt.Errorf("backlog of %s: %w", consumer, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("backlog of %s: %w", consumer, err)
	}
	return int(info.NumPending) + info.NumAckPending, nil
}

// Quiesce waits until no event is in flight: every consumer's backlog is
// empty and the stream did not grow while they were read. Redelivered
// duplicates are then handled too, so the ledgers are final.
func (c *Choreography) Quiesce(ctx context.Context) error {
	consumers := append(slices.Clone(shop.Services), trackerName)
	err := poll.Until(ctx, 2*time.Millisecond, func() (bool, error) { return c.quiet(ctx, consumers) })
	if err != nil {
		return fmt.Errorf("quiesce: %w", err)
	}
	return nil
}

func (c *Choreography) quiet(ctx context.Context, consumers []string) (bool, error) {
	before, err := c.lastSeq(ctx)
	if err != nil {
		return false, err
	}
	for _, name := range consumers {
		n, err := c.Backlog(ctx, name)
		if err != nil {
			return false, err
		}
		if n > 0 {
			return false, nil
		}
	}
	after, err := c.lastSeq(ctx)
	return err == nil && before == after, err
}

func (c *Choreography) lastSeq(ctx context.Context) (uint64, error) {
	s, err := c.js.Stream(ctx, c.opts.Stream)
	if err != nil {
		return 0, fmt.Errorf("stream: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream info: %w", err)
	}
	return info.State.LastSeq, nil
}

// Snapshots returns every service's ledger: local ones directly, remote
// ones over NATS.
func (c *Choreography) Snapshots(ctx context.Context) (map[string]ledger.Snapshot, error) {
	out := map[string]ledger.Snapshot{}
	for _, name := range shop.Services {
		if svc, ok := c.services[name]; ok {
			out[name] = svc.Ledger.Snapshot()
			continue
		}
		s, err := shop.FetchState(ctx, c.nc, c.opts.Prefix, name)
		if err != nil {
			return nil, err
		}
		out[name] = s
	}
	return out, nil
}

// DeadLetters reads the dead-letter stream back from the server.
func (c *Choreography) DeadLetters(ctx context.Context) ([]deadletter.Letter, error) {
	return deadletter.Read(ctx, c.js, c.opts.DeadLetterStream)
}

// Streams names the events stream and the dead-letter stream.
func (c *Choreography) Streams() (events, deadLetters string) {
	return c.opts.Stream, c.opts.DeadLetterStream
}

// Close stops every local participant and the orders service and, with
// DeleteOnClose, deletes the streams this run created (only those).
func (c *Choreography) Close() {
	for _, p := range c.parts {
		p.Stop()
	}
	c.parts = map[string]*Participant{}
	if c.tracker != nil {
		c.tracker.Stop()
		<-c.tracker.Closed()
		c.tracker = nil
	}
	if c.opts.DeleteOnClose && c.js != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, name := range c.created {
			_ = c.js.DeleteStream(ctx, name)
		}
		c.created = nil
	}
	c.nc.Close()
}

// Published is how many events the events stream has stored so far (its
// last sequence), as the server counts them.
func (c *Choreography) Published(ctx context.Context) (uint64, error) { return c.lastSeq(ctx) }
