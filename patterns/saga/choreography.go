package saga

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/poll"
)

// ResetStream deletes and creates the choreography's stream, for a run that
// starts clean (no events, no consumers, no de-duplication memory).
func ResetStream(ctx context.Context, js jetstream.JetStream, prefix string) error {
	if err := js.DeleteStream(ctx, streamName(prefix)); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("reset stream: %w", err)
	}
	_, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name:       streamName(prefix),
		Subjects:   []string{prefix + ".events.>", prefix + ".dead.>"},
		Storage:    jetstream.FileStorage,
		Duplicates: 2 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("create stream %s: %w", streamName(prefix), err)
	}
	return nil
}

// Choreography runs the choreographed saga: a participant per local
// service and the orders service, which places orders and watches for the
// events that end a saga. A service missing from the local ones runs
// elsewhere (another process, a container) against the same stream.
//
// Place, Wait, Backlog, Quiesce and Snapshots may be called concurrently;
// Crash, Restart and Close belong to the one goroutine that runs the show.
type Choreography struct {
	url      string
	opts     ChoreographyOptions
	nc       *nats.Conn
	js       jetstream.JetStream
	services map[string]*Service
	parts    map[string]*Participant
	board    *Board
	tracker  jetstream.ConsumeContext
}

// ChoreographyOptions configures a Choreography.
type ChoreographyOptions struct {
	ParticipantOptions
	// KeepStream uses the existing stream instead of starting clean.
	KeepStream bool
}

const trackerName = "orders"

// StartChoreography starts the participants of the local services and the
// orders service against the NATS server at url.
func StartChoreography(ctx context.Context, url string, local map[string]*Service, o ChoreographyOptions) (*Choreography, error) {
	o.defaults()
	nc, err := natsembed.Connect(url, "saga-orders")
	if err != nil {
		return nil, err
	}
	c := &Choreography{url: url, opts: o, nc: nc, services: local, parts: map[string]*Participant{}, board: NewBoard()}
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
	if !c.opts.KeepStream {
		if err := ResetStream(ctx, js, c.opts.Prefix); err != nil {
			return err
		}
	}
	for _, name := range Services {
		if svc, ok := c.services[name]; ok {
			p, err := StartParticipant(ctx, c.url, svc, c.opts.ParticipantOptions)
			if err != nil {
				return err
			}
			c.parts[name] = p
		}
	}
	var filters []string
	for ev := range terminal {
		filters = append(filters, subject(c.opts.Prefix, ev))
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, streamName(c.opts.Prefix), jetstream.ConsumerConfig{
		Durable:        trackerName,
		FilterSubjects: filters,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        c.opts.AckWait,
		MaxDeliver:     -1,
	})
	if err != nil {
		return fmt.Errorf("orders: durable consumer: %w", err)
	}
	c.tracker, err = cons.Consume(func(m jetstream.Msg) {
		var ev Event
		if err := json.Unmarshal(m.Data(), &ev); err != nil {
			_ = m.TermWithReason("malformed event")
			return
		}
		c.board.Record(Outcome{Saga: ev.Order.ID, Status: terminal[ev.Type], Reason: ev.Reason})
		_ = m.Ack()
	})
	if err != nil {
		return fmt.Errorf("orders: consume: %w", err)
	}
	return nil
}

// Place starts a saga: the orders service publishes OrderPlaced.
func (c *Choreography) Place(ctx context.Context, o Order) error {
	return publishEvent(ctx, c.js, c.opts.Prefix, Event{Type: OrderPlaced, Order: o}, c.opts.DuplicateEvents)
}

// Wait blocks until the orders service has seen the saga end.
func (c *Choreography) Wait(ctx context.Context, saga string) (Outcome, error) {
	return c.board.Wait(ctx, saga)
}

// Outcomes returns the sagas that ended so far.
func (c *Choreography) Outcomes() map[string]Outcome { return c.board.Outcomes() }

// Board is the orders service's record of how sagas ended.
func (c *Choreography) Board() *Board { return c.board }

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
	cons, err := c.js.Consumer(ctx, streamName(c.opts.Prefix), consumer)
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
	consumers := append(slices.Clone(Services), trackerName)
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
	s, err := c.js.Stream(ctx, streamName(c.opts.Prefix))
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
func (c *Choreography) Snapshots(ctx context.Context) (map[string]Snapshot, error) {
	out := map[string]Snapshot{}
	for _, name := range Services {
		if svc, ok := c.services[name]; ok {
			out[name] = svc.Ledger.Snapshot()
			continue
		}
		s, err := FetchState(ctx, c.nc, c.opts.Prefix, name)
		if err != nil {
			return nil, err
		}
		out[name] = s
	}
	return out, nil
}

// Close stops every local participant and the orders service.
func (c *Choreography) Close() {
	for _, p := range c.parts {
		p.Stop()
	}
	c.parts = map[string]*Participant{}
	if c.tracker != nil {
		c.tracker.Stop()
		<-c.tracker.Closed()
	}
	c.nc.Close()
}
