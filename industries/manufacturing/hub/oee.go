// Package hub is the central side of the case: the live OEE consumer,
// which takes the readings every plant's edge forwarded through a credit
// window (patterns/backpressure) so that a catch-up burst after an outage
// does not flood its memory, and, when the edges do not stop lines
// themselves, the stop service that decides for them across the WAN.
package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/industries/manufacturing/oee"
	"github.com/patternlab/patternlab/industries/manufacturing/plant"
	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/patterns/backpressure"
	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"
)

// OEEConfig is the live OEE consumer's configuration.
type OEEConfig struct {
	Floor plant.Floor
	// Window is W, the credit window: at most W readings delivered to the
	// consumer and not yet acknowledged.
	Window  int
	AckWait time.Duration
	// Rate is how many readings a second the consumer handles at most (its
	// capacity; 0: as fast as it can).
	Rate float64
	// CreditWindow bounds what the server delivers (MaxAckPending W, and
	// W pulled at a time). Off (-credit-window=false), the consumer asks
	// for the whole backlog at once.
	CreditWindow bool
	Dedupe       bool // count each reading ID once (-dedupe=false: every copy)
}

// ConsumerName is the live OEE consumer's durable name on HUB_TELEMETRY.
const ConsumerName = "oee"

// unbounded stands for "no window": what a consumer asks for when it
// pulls everything the stream holds.
const unbounded = 1 << 20

// OEE is the hub's live OEE book, fed by a durable pull consumer on
// edge-iot's HUB_TELEMETRY stream.
type OEE struct {
	cfg    OEEConfig
	cons   jetstream.Consumer
	worker *backpressure.Worker

	mu   sync.Mutex
	book *oee.Book
	seen int // readings handled, copies included
}

// NewOEE creates the consumer on js, a JetStream context of the hub, with
// dead letters (readings it cannot decode) in dlq.
func NewOEE(ctx context.Context, js jetstream.JetStream, dlq *deadletter.Queue, cfg OEEConfig) (*OEE, error) {
	stream, err := js.Stream(ctx, edgeiot.StreamHubTelemetry)
	if err != nil {
		return nil, fmt.Errorf("hub stream %s: %w", edgeiot.StreamHubTelemetry, err)
	}
	window := cfg.Window
	if !cfg.CreditWindow {
		window = unbounded
	}
	cw := backpressure.CreditWindow{Durable: ConsumerName, Messages: window, AckWait: cfg.AckWait}
	cons, err := cw.Create(ctx, stream)
	if err != nil {
		return nil, err
	}
	o := &OEE{cfg: cfg, cons: cons, book: oee.NewBook(cfg.Floor, cfg.Dedupe)}
	handle := o.handle
	if cfg.Rate > 0 {
		handle = backpressure.Paced(cfg.Rate, handle)
	}
	o.worker = cw.Worker(cons, handle, dlq)
	o.worker.Decode = decode
	return o, nil
}

// decode validates a forwarded reading where it arrives: one that is not
// a valid reading of the machine its subject names
// (uplink.<plant>.telemetry.<machine>) goes to the dead letters with the
// decoder's reason.
func decode(m jetstream.Msg) (backpressure.Message, error) {
	meta, err := m.Metadata()
	if err != nil {
		return backpressure.Message{}, fmt.Errorf("%w: no metadata: %v", backpressure.ErrMalformed, err)
	}
	subject := m.Subject()
	if _, err := plant.Decode(subject[strings.LastIndexByte(subject, '.')+1:], m.Data()); err != nil {
		return backpressure.Message{}, fmt.Errorf("%w: %v", backpressure.ErrMalformed, err)
	}
	return backpressure.Message{ID: meta.Sequence.Stream, Payload: m.Data()}, nil
}

func (o *OEE) handle(_ context.Context, m backpressure.Message) error {
	var r plant.Reading
	if err := json.Unmarshal(m.Payload, &r); err != nil { // decode validated it
		return fmt.Errorf("%w: %v", backpressure.ErrMalformed, err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen++
	if _, err := o.book.Add(r); err != nil {
		return fmt.Errorf("%w: %v", backpressure.ErrMalformed, err)
	}
	return nil
}

// Run consumes until ctx ends.
func (o *OEE) Run(ctx context.Context) error {
	err := o.worker.Run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Totals is the live OEE so far, per line and shift.
func (o *OEE) Totals() map[oee.Key]oee.Totals {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.book.Totals()
}

// Handled counts the readings the consumer handled, copies included, and
// the copies among them.
func (o *OEE) Handled() (readings, copies int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.seen, o.book.Copies()
}

// Counted reports whether the consumer counted the reading with this ID.
func (o *OEE) Counted(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.book.Counted(id)
}

// InFlight is the server's view of the consumer: readings delivered to it
// and not yet acknowledged (what its memory holds, or is about to), and
// readings still waiting in the stream.
func (o *OEE) InFlight(ctx context.Context) (delivered int, waiting uint64, err error) {
	info, err := o.cons.Info(ctx)
	if err != nil {
		return 0, 0, err
	}
	return info.NumAckPending, info.NumPending, nil
}
