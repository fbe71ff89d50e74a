package cqrs

import (
	"context"
	"errors"
	"fmt"

	eh "github.com/looplab/eventhorizon"
	"github.com/nats-io/nats.go"
)

// ErrMalformedEvent wraps every reason a stored message is not an event.
var ErrMalformedEvent = errors.New("malformed event")

// codec turns events into JetStream messages and back. The payload is
// eventhorizon's JSON format (eventJSON), which also carries the registered
// context values (the command's context reaches the projectors).
type codec struct {
	log     Log
	payload eh.EventCodec
}

func newCodec(l Log) codec { return codec{log: l, payload: eventJSON{}} }

// encode builds the message for one event: the subject says which
// aggregate, the payload says everything else.
func (c codec) encode(ctx context.Context, e eh.Event) (*nats.Msg, error) {
	subject, err := c.log.Subject(e.AggregateType(), e.AggregateID())
	if err != nil {
		return nil, err
	}
	data, err := c.payload.MarshalEvent(ctx, e)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", e, err)
	}
	return &nats.Msg{Subject: subject, Data: data}, nil
}

// decode turns a stored message back into an event and the context it was
// stored with. Anything that does not describe an event of the aggregate
// named by its subject is rejected with ErrMalformedEvent: a decoder that
// guessed would let a corrupt record change a balance.
func (c codec) decode(ctx context.Context, subject string, data []byte) (eh.Event, context.Context, error) {
	t, id, err := c.log.parseSubject(subject)
	if err != nil {
		return nil, ctx, fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	e, ectx, err := c.payload.UnmarshalEvent(ctx, data)
	if err != nil {
		return nil, ctx, fmt.Errorf("%w: %s: %w", ErrMalformedEvent, subject, err)
	}
	switch {
	case e.EventType() == "":
		err = errors.New("no event type")
	case e.AggregateType() != t:
		err = fmt.Errorf("aggregate type %q, subject says %q", e.AggregateType(), t)
	case e.AggregateID() != id:
		err = fmt.Errorf("aggregate id %s, subject says %s", e.AggregateID(), id)
	case e.Version() < 1:
		err = fmt.Errorf("version %d", e.Version())
	}
	if err != nil {
		return nil, ctx, fmt.Errorf("%w: %s: %w", ErrMalformedEvent, subject, err)
	}
	return e, ectx, nil
}
