package cqrs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	eh "github.com/looplab/eventhorizon"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/poll"
)

// The faults the demo offers on demand (the lab's fault buttons), while
// act 3's burst of commands runs. The scheduled faults stay as they are;
// each requested fault is planned when it is accepted and fired when it
// happens, so one that never happened makes the verdict VIOLATED.
//   - redeliver: the balances projector applies the next event that moves
//     money it is handed for the first time, and its ack is withheld: the bus naks it
//     and the server delivers it again, which the version guard must skip
//     (-version-guard=false projects it twice). The verdict checks that
//     the server did deliver it again.
//   - restart-server: the embedded nats-server stops and starts again on
//     its file store, between two commands of the burst: every connection
//     drops, the writer and the projectors reconnect, and the log and the
//     consumers' positions come back from disk. (The demo runs one server,
//     not a cluster: this is its stream leader going away.) Not offered on
//     a server from NATS_URL, which is not the demo's to restart.
const (
	FaultRedeliver     = "redeliver"
	FaultRestartServer = "restart-server"
)

// errAckWithheld is what the balances projector answers when the lab
// withholds its ack: the bus naks the event, so the server redelivers it.
var errAckWithheld = errors.New("ack withheld on request in the lab")

// ackLoss withholds the ack of the balances projector's next first
// delivery, once per request.
type ackLoss struct {
	n      *narrate.Narrator
	nameOf func(fmt.Stringer) string

	mu      sync.Mutex
	pending []*narrate.PlannedFault
	lost    []uint64 // the log sequences whose ack was withheld
}

// Wrap is the middleware Subscribe applies to each projector (innermost:
// the event is applied before its ack is withheld).
func (a *ackLoss) Wrap(h eh.EventHandler) eh.EventHandler {
	return &ackLosingHandler{EventHandler: h, a: a}
}

func (a *ackLoss) request() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.pending) > 0 {
		return errors.New("a redelivery is already requested and the projector has not been handed an event since")
	}
	a.pending = append(a.pending, a.n.Plan("projector", "the balances projector's ack withheld on request in the lab"))
	return nil
}

// withheld lists the sequences whose ack was withheld.
func (a *ackLoss) withheld() []uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]uint64(nil), a.lost...)
}

type ackLosingHandler struct {
	eh.EventHandler
	a *ackLoss
}

func (h *ackLosingHandler) HandleEvent(ctx context.Context, e eh.Event) error {
	if err := h.EventHandler.HandleEvent(ctx, e); err != nil {
		return err
	}
	if h.HandlerType() != balancesHandler || DeliveryAttempt(ctx) > 1 || signedAmount(e) == 0 {
		return nil // an account opened, projected twice, would show nothing
	}
	h.a.mu.Lock()
	var p *narrate.PlannedFault
	if len(h.a.pending) > 0 {
		p, h.a.pending = h.a.pending[0], h.a.pending[1:]
		h.a.lost = append(h.a.lost, LogSequence(ctx))
	}
	h.a.mu.Unlock()
	if p == nil {
		return nil
	}
	p.Fire("the balances projector applied seq %d (%s v%d, %s) and its ack is withheld (requested in the lab): the bus naks it, the server delivers it again",
		LogSequence(ctx), h.a.nameOf(e.AggregateID()), e.Version(), Cents(signedAmount(e)).Signed())
	return errAckWithheld
}

func (h *ackLosingHandler) InnerHandler() eh.EventHandler { return h.EventHandler }

// checkRedelivered adds a check per requested redelivery to the verdict:
// the server delivered the event whose ack was withheld again.
func (d *demo) checkRedelivered() {
	for _, seq := range d.acks.withheld() {
		_, again := d.seen.redelivered(seq)
		d.n.Check("redelivered on request", again, "the server delivered seq %d, whose ack the lab withheld, again", seq)
	}
}

// restarts is restart-server: the embedded server restarted between two
// commands, while act 3 lets it.
type restarts struct {
	mu   sync.Mutex // held for a whole restart
	open bool
	done int
}

// restartServer stops and starts the embedded server on its file store,
// with no command in flight, and waits until the writer is back.
func (d *demo) restartServer() error {
	d.restarts.mu.Lock()
	defer d.restarts.mu.Unlock()
	if !d.restarts.open {
		return errors.New("act 3's burst is over")
	}
	d.work.gate.Lock() // the command in flight, if any, completes first
	defer d.work.gate.Unlock()
	before, err := d.streamMsgs()
	if err != nil {
		return fmt.Errorf("the server is not answering now: %w", err)
	}
	fault := d.n.Plan("nats", "the server restarted on request in the lab")
	fault.Fire("nats-server stops and starts again on its file store (requested in the lab), between two commands: every connection drops")
	start := time.Now()
	if err := d.target.Embedded.Restart(); err != nil {
		return fmt.Errorf("restart nats-server: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var after uint64
	err = poll.Until(ctx, 10*time.Millisecond, func() (bool, error) {
		if !d.writer.IsConnected() {
			return false, nil
		}
		var err error
		after, err = d.streamMsgs()
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("the writer did not reconnect after the restart: %w", err)
	}
	d.restarts.done++
	d.n.Step("nats", "back on the same port; the writer reconnected, the stream holds %d events as before it stopped (%d), read back from disk", after, before)
	d.n.Measure("nats", "restart and reconnect took %s", time.Since(start).Round(time.Millisecond))
	d.n.Check("restart kept the log", after == before, "the stream held %d events before the restart and %d after", before, after)
	return nil
}

func (d *demo) streamMsgs() (uint64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := d.store.stream.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

// offerFaults offers the act's faults until the returned withdraw, which
// also waits for a restart in progress to end.
func (d *demo) offerFaults() (withdraw func()) {
	d.n.Offer(FaultRedeliver, "projector",
		"the balances projector applies the next deposit or withdrawal it is handed and its ack is withheld: the server delivers it again, and the version guard must skip it",
		d.acks.request)
	embedded := d.target.Embedded != nil
	if embedded {
		d.restarts.mu.Lock()
		d.restarts.open = true
		d.restarts.mu.Unlock()
		d.n.Offer(FaultRestartServer, "nats",
			"stop and restart the nats-server between two commands: connections drop, the log and the consumers' positions come back from its file store",
			d.restartServer)
	}
	return func() {
		d.n.Withdraw(FaultRedeliver)
		if embedded {
			d.n.Withdraw(FaultRestartServer)
			d.restarts.mu.Lock()
			d.restarts.open = false
			d.restarts.mu.Unlock()
		}
	}
}
