package backpressure

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/deadletter"
)

// CreditWindow is flow control decided by the consumer: a durable JetStream
// pull consumer that may hold at most Messages (W) delivered and not yet
// acknowledged. The server enforces it (MaxAckPending) and the client asks
// for no more (a Worker pulls W at a time), so however large the backlog in
// the stream (a hub catching up on what its sites sent during an outage),
// the consumer's memory holds W messages, not the backlog.
//
// It is the seam other modules run their own handler on:
//
//	cw := backpressure.CreditWindow{Durable: "hub", Messages: 64, AckWait: 5 * time.Second}
//	cons, err := cw.Create(ctx, stream)
//	...
//	err = cw.Worker(cons, handle, deadLetters).Run(ctx)
type CreditWindow struct {
	Durable  string        // the durable consumer's name
	Messages int           // W, at least 1
	AckWait  time.Duration // an unacknowledged message is redelivered after it
}

// ErrConsumerExists is returned by Create for a durable name already in use:
// the window creates its own consumer and never reconfigures someone else's.
var ErrConsumerExists = errors.New("durable consumer already exists")

// ConsumerConfig is the durable pull consumer that enforces the window:
// explicit acks, MaxAckPending W, redelivery after AckWait, no limit on
// deliveries (a crashed consumer's messages always come back).
func (c CreditWindow) ConsumerConfig() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       c.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.AckWait,
		MaxAckPending: c.Messages,
		MaxDeliver:    -1,
	}
}

func (c CreditWindow) validate() error {
	if c.Durable == "" || c.Messages < 1 || c.AckWait <= 0 {
		return fmt.Errorf("credit window %+v: needs a durable name, at least 1 message and a positive AckWait", c)
	}
	return nil
}

// Create creates the window's durable consumer on stream. It refuses a
// durable name that exists (ErrConsumerExists), so it never changes a
// consumer it did not create.
func (c CreditWindow) Create(ctx context.Context, stream jetstream.Stream) (jetstream.Consumer, error) {
	return c.create(ctx, stream, c.ConsumerConfig())
}

func (c CreditWindow) create(ctx context.Context, stream jetstream.Stream, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	name := stream.CachedInfo().Config.Name
	// CreateConsumer alone would hand back an existing consumer of the same
	// config: someone else's, whose messages this one would then take.
	switch _, err := stream.Consumer(ctx, c.Durable); {
	case err == nil:
		return nil, fmt.Errorf("%w: %s on %s", ErrConsumerExists, c.Durable, name)
	case !errors.Is(err, jetstream.ErrConsumerNotFound):
		return nil, fmt.Errorf("look up consumer %s on %s: %w", c.Durable, name, err)
	}
	cons, err := stream.CreateConsumer(ctx, cfg)
	if errors.Is(err, jetstream.ErrConsumerExists) {
		return nil, fmt.Errorf("%w: %s on %s", ErrConsumerExists, c.Durable, name)
	}
	if err != nil {
		return nil, fmt.Errorf("create consumer %s on %s: %w", c.Durable, name, err)
	}
	return cons, nil
}

// Worker returns a consumer instance on cons that pulls W messages at a
// time, hands each to handle and sends what it cannot decode or handle to
// deadLetters. Set its Decode for payloads in another format.
func (c CreditWindow) Worker(cons jetstream.Consumer, handle Handler, deadLetters *deadletter.Queue) *Worker {
	return &Worker{Consumer: cons, Window: c.Messages, Handle: handle, DeadLetters: deadLetters}
}
