package backpressure

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/time/rate"
)

// A consumer in another process (cmd/consumer, run in a container by the
// integration test) cannot write to this process's Ledger. It leaves a Record
// of each processing in a stream instead, and the test audits those.

// Record is the evidence of one processing: which message, on which delivery.
type Record struct {
	ID       uint64
	Delivery int
}

// Encode writes the record as "id delivery".
func (r Record) Encode() []byte { return fmt.Appendf(nil, "%d %d", r.ID, r.Delivery) }

// ParseRecord reads a record written by Encode.
func ParseRecord(b []byte) (Record, error) {
	var r Record
	if _, err := fmt.Sscanf(string(b), "%d %d", &r.ID, &r.Delivery); err != nil {
		return Record{}, fmt.Errorf("%w: record %q: %v", ErrMalformed, b, err)
	}
	if r.Delivery < 1 {
		return Record{}, fmt.Errorf("%w: record %q: delivery %d", ErrMalformed, b, r.Delivery)
	}
	return r, nil
}

// Recorder returns a Handler whose effect is a Record published to subject
// through JetStream: it returns once the stream stored it, so the effect is
// durable before the Worker acks the message.
func Recorder(js jetstream.JetStream, subject string) Handler {
	return func(ctx context.Context, m Message) error {
		if _, err := js.Publish(ctx, subject, Record{ID: m.ID, Delivery: m.Delivery}.Encode()); err != nil {
			return fmt.Errorf("record message %d: %w", m.ID, err)
		}
		return nil
	}
}

// Paced returns a Handler that processes at most perSecond messages a
// second: it waits for a token of a bucket of that rate (bursts of a few
// milliseconds of work) before calling next. It models a consumer of service
// rate μ.
func Paced(perSecond float64, next Handler) Handler {
	burst := max(1, int(perSecond*serviceBurst.Seconds()))
	capacity := rate.NewLimiter(rate.Limit(perSecond), burst)
	return func(ctx context.Context, m Message) error {
		if err := capacity.Wait(ctx); err != nil {
			return fmt.Errorf("consumer capacity: %w", err)
		}
		return next(ctx, m)
	}
}
