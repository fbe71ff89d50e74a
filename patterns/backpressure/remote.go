package backpressure

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/time/rate"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
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

// RemoteConsumer is what cmd/consumer runs: a Worker bound to an existing
// durable pull consumer, processing at most Rate messages a second and
// recording each processing to Results before it acks; what it cannot decode
// goes to the DeadLetters stream.
type RemoteConsumer struct {
	URL               string  // NATS server (NATS_CREDS for credentials)
	Stream, Durable   string  // the work stream and its durable pull consumer
	Window            int     // messages pulled at once, at most the consumer's MaxAckPending
	Rate              float64 // messages processed per second at most
	Results           string  // subject of the processing records
	DeadLetters       string  // dead-letter stream
	DeadLetterSubject string  // its subject prefix
}

// DefaultRemoteConsumer binds to the demo's default names.
func DefaultRemoteConsumer() RemoteConsumer {
	return RemoteConsumer{
		URL: os.Getenv(natsembed.EnvURL), Stream: DemoStream, Durable: DemoDurable, Window: 64, Rate: 1000,
		Results: "backpressure.done", DeadLetters: DemoDeadLetters, DeadLetterSubject: DemoDeadLetterSubject,
	}
}

// RemoteConsumerFlags declares cmd/consumer's flags on c, with their ranges.
func RemoteConsumerFlags(c *RemoteConsumer) *demoflag.Set {
	s := demoflag.New("consumer")
	s.Text(&c.URL, "url", nil, "NATS server URL (default $NATS_URL)")
	s.Text(&c.Stream, "stream", validName, "stream of the work")
	s.Text(&c.Durable, "durable", validName, "durable pull consumer to bind to")
	s.Int(&c.Window, "window", 1, MaxBuffer, "messages pulled at once (at most the consumer's MaxAckPending)")
	s.Float(&c.Rate, "rate", 1, MaxServiceRate, "messages processed per second at most")
	s.Text(&c.Results, "results", validSubject, "subject of the processing records")
	s.Text(&c.DeadLetters, "dead-letters", validName, "dead-letter stream")
	s.Text(&c.DeadLetterSubject, "dead-letter-subject", validSubject, "subject prefix of the dead letters")
	s.Check(func() error {
		if c.URL == "" {
			return narrate.FlagError("url", "required (or set %s)", natsembed.EnvURL)
		}
		return nil
	})
	return s
}

// validName accepts a stream or consumer name: printable, no whitespace,
// none of . * > / \.
func validName(s string) error {
	if s == "" || len(s) > 255 || strings.ContainsAny(s, ".*>/\\") || strings.IndexFunc(s, notPrintable) >= 0 {
		return fmt.Errorf("%q is not a stream or consumer name (1..255 printable characters, no whitespace nor . * > / \\)", s)
	}
	return nil
}

// validSubject accepts a literal subject: dot-separated non-empty tokens,
// no whitespace, no wildcard.
func validSubject(s string) error {
	if s == "" || len(s) > 255 || strings.ContainsAny(s, "*>") || strings.IndexFunc(s, notPrintable) >= 0 || slices.Contains(strings.Split(s, "."), "") {
		return fmt.Errorf("%q is not a literal subject (dot-separated tokens, no whitespace or wildcard)", s)
	}
	return nil
}

func notPrintable(r rune) bool { return r <= ' ' || r == 0x7f || !unicode.IsPrint(r) }

// Run binds to the durable consumer and processes until ctx ends; ready is
// called once it consumes.
func (c RemoteConsumer) Run(ctx context.Context, ready func()) error {
	nc, err := natsembed.Connect(c.URL, "backpressure-consumer") // NATS_CREDS, unlimited reconnects
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	cons, err := js.Consumer(ctx, c.Stream, c.Durable)
	if err != nil {
		return fmt.Errorf("bind to %s/%s: %w", c.Stream, c.Durable, err)
	}
	dlq, err := deadletter.Open(ctx, js, c.DeadLetters, c.DeadLetterSubject)
	if err != nil {
		return err
	}
	w := &Worker{
		Consumer:    cons,
		Window:      c.Window,
		Handle:      Paced(c.Rate, Recorder(js, c.Results)),
		DeadLetters: dlq,
	}
	if ready != nil {
		ready()
	}
	if err := w.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
