package cqrs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/poll"
)

// ProjectorApp is the app ID of the read side's consumers.
const ProjectorApp = "ledger-read"

// projectorProcess is the read side as one process: its own connection, a
// bus on the log, and the projectors feeding the read models. Killing it
// does not lose the read models, which stand for a database.
type projectorProcess struct {
	nc  *nats.Conn
	bus *EventBus
}

func startProjectors(ctx context.Context, url string, l Log, models *ReadModels, ackWait time.Duration,
	wrap func(eh.EventHandler) eh.EventHandler, opts ...BusOption,
) (*projectorProcess, error) {
	nc, err := natsembed.Connect(url, "ledger-projectors")
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("projectors: %w", err)
	}
	bus, err := NewEventBus(ctx, js, l, ProjectorApp, append([]BusOption{WithAckWait(ackWait), WithReplayFromStart()}, opts...)...)
	if err != nil {
		nc.Close()
		return nil, err
	}
	p := &projectorProcess{nc: nc, bus: bus}
	if err := models.Subscribe(ctx, bus, wrap); err != nil {
		return nil, errors.Join(err, p.stop())
	}
	return p, nil
}

// terminateUndecodable is the demo's -dead-letters=false.
func terminateUndecodable() BusOption { return func(b *EventBus) { b.termUndecodable = true } }

// stop shuts the process down in order: handlers first, then the connection.
func (p *projectorProcess) stop() error {
	err := p.bus.Close()
	p.nc.Close()
	return err
}

// crashSwitch kills the projector process right after the balances projector
// has applied its n-th new event since Arm, before the bus can ack it: the
// read model holds the event, the server still counts it as pending. Only
// first deliveries count: on a loaded machine an ack can come later than the
// ack wait and the server delivers the event again, which must not move
// the crash to another event.
type crashSwitch struct {
	mu      sync.Mutex
	left    int
	kill    func()
	crashed chan struct{}
	at      crashPoint
}

// crashPoint is the event the read side died on, and when.
type crashPoint struct {
	seq     uint64
	account uuid.UUID
	version int
	amount  int64
	when    time.Time
}

func newCrashSwitch() *crashSwitch { return &crashSwitch{crashed: make(chan struct{})} }

// Arm makes the n-th next balances event the last one before the crash.
func (c *crashSwitch) Arm(n int, kill func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.left, c.kill = n, kill
}

// Wrap is the middleware Subscribe applies to each projector.
func (c *crashSwitch) Wrap(h eh.EventHandler) eh.EventHandler {
	return &crashingHandler{EventHandler: h, sw: c}
}

func (c *crashSwitch) applied(ctx context.Context, e eh.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kill == nil || DeliveryAttempt(ctx) > 1 {
		return
	}
	if c.left--; c.left == 0 {
		c.at = crashPoint{seq: LogSequence(ctx), account: e.AggregateID(), version: e.Version(), amount: signedAmount(e), when: time.Now()}
		c.kill()
		c.kill = nil
		close(c.crashed)
	}
}

// point is where the crash happened (valid once crashed is closed).
func (c *crashSwitch) point() crashPoint {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

type crashingHandler struct {
	eh.EventHandler
	sw *crashSwitch
}

func (h *crashingHandler) HandleEvent(ctx context.Context, e eh.Event) error {
	err := h.EventHandler.HandleEvent(ctx, e)
	if err == nil && h.HandlerType() == balancesHandler {
		h.sw.applied(ctx, e)
	}
	return err
}

func (h *crashingHandler) InnerHandler() eh.EventHandler { return h.EventHandler }

// balancesHandler is the handler type eventhorizon gives the balances projector.
const balancesHandler eh.EventHandlerType = "projector_balances"

// deliveries records, outside the projectors, what the server delivered to
// the balances projector of every process: each log sequence, how many
// times, and what its event does to which account. It is the receiver's own
// account of redeliveries, the crash's and those of acks that came later
// than the ack wait.
type deliveries struct {
	mu     sync.Mutex
	events map[uint64]*delivered
}

// delivered is one log sequence as the balances projector was handed it.
type delivered struct {
	account  uuid.UUID
	amount   int64
	attempts int
	again    time.Time // when it was first delivered again
}

func newDeliveries() *deliveries { return &deliveries{events: map[uint64]*delivered{}} }

// Wrap is the middleware Subscribe applies to each projector.
func (d *deliveries) Wrap(h eh.EventHandler) eh.EventHandler {
	return &observedHandler{EventHandler: h, d: d}
}

func (d *deliveries) record(ctx context.Context, e eh.Event) {
	seq, attempt := LogSequence(ctx), DeliveryAttempt(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.events[seq]
	if !ok {
		r = &delivered{account: e.AggregateID(), amount: signedAmount(e)}
		d.events[seq] = r
	}
	r.attempts = max(r.attempts, attempt)
	if attempt > 1 && r.again.IsZero() {
		r.again = time.Now()
	}
}

// redelivered reports when the log sequence was first seen on a second or
// later delivery attempt.
func (d *deliveries) redelivered(seq uint64) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.events[seq]
	if !ok || r.again.IsZero() {
		return time.Time{}, false
	}
	return r.again, true
}

// redeliveredTo lists, in log order, the sequences of one account's events
// that were delivered more than once, and what they add up to.
func (d *deliveries) redeliveredTo(account uuid.UUID) ([]uint64, int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var seqs []uint64
	var sum int64
	for seq, r := range d.events {
		if r.account == account && r.attempts > 1 {
			seqs = append(seqs, seq)
			sum += r.amount
		}
	}
	slices.Sort(seqs)
	return seqs, sum
}

type observedHandler struct {
	eh.EventHandler
	d *deliveries
}

func (h *observedHandler) HandleEvent(ctx context.Context, e eh.Event) error {
	if h.HandlerType() == balancesHandler {
		h.d.record(ctx, e)
	}
	return h.EventHandler.HandleEvent(ctx, e)
}

func (h *observedHandler) InnerHandler() eh.EventHandler { return h.EventHandler }

// waitCaughtUp polls until every account's balance row and statement are at
// the version of the account's aggregate in the event store.
func waitCaughtUp(ctx context.Context, l *Ledger, models *ReadModels, customers []customer, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var behind string
	var last error // a read that failed is tried again, and quoted if it was the last
	err := poll.Until(ctx, 10*time.Millisecond, func() (bool, error) {
		behind, last = lagging(ctx, l, models, customers)
		return last == nil && behind == "", nil
	})
	if err != nil {
		return fmt.Errorf("read models not caught up after %s: %s (%v)", timeout, behind, last)
	}
	return nil
}

// lagging names the first account whose read models are behind its aggregate.
func lagging(ctx context.Context, l *Ledger, models *ReadModels, customers []customer) (string, error) {
	balances, err := models.Balances(ctx)
	if err != nil {
		return "", err
	}
	statements, err := models.Statements(ctx)
	if err != nil {
		return "", err
	}
	for _, c := range customers {
		a, err := l.Account(ctx, c.id)
		if err != nil {
			return "", err
		}
		v := a.AggregateVersion()
		if balances[c.id].Version != v || statements[c.id].Version != v {
			return fmt.Sprintf("%s at v%d, balances v%d, statement v%d", c.name, v, balances[c.id].Version, statements[c.id].Version), nil
		}
	}
	return "", nil
}
