package cqrs

import (
	"context"
	"fmt"
	"strings"

	eh "github.com/looplab/eventhorizon"
)

// What the demo shows in `make lab` beyond its text story (JSON mode only,
// so the text narration is unchanged): every event the log delivers to a
// projector, as a message from the store to that projector of that process;
// a redelivery (the crash's, or an ack later than the ack wait) says so.

// traced wraps a projector's handler of read-side process number process.
func (d *demo) traced(process int) func(eh.EventHandler) eh.EventHandler {
	return func(h eh.EventHandler) eh.EventHandler {
		if !d.n.JSONMode() {
			return h
		}
		return &tracedHandler{EventHandler: h, demo: d, to: fmt.Sprintf("%s #%d", strings.TrimPrefix(string(h.HandlerType()), "projector_"), process)}
	}
}

type tracedHandler struct {
	eh.EventHandler
	demo *demo
	to   string
}

func (h *tracedHandler) HandleEvent(ctx context.Context, e eh.Event) error {
	what := string(e.EventType())
	if DeliveryAttempt(ctx) > 1 {
		what = "redelivery of " + what
	}
	h.demo.n.Message("store", h.to, what+" "+h.demo.nameOf(e.AggregateID()), fmt.Sprintf("seq %d", LogSequence(ctx)))
	return h.EventHandler.HandleEvent(ctx, e)
}

func (h *tracedHandler) InnerHandler() eh.EventHandler { return h.EventHandler }

// restartedObserved is the second read-side process's middleware: the
// deliveries record, traced as process 2.
func (d *demo) restartedObserved(h eh.EventHandler) eh.EventHandler {
	return d.traced(2)(d.seen.Wrap(d.acks.Wrap(h)))
}
