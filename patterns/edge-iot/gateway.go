package edgeiot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/deadletter"
)

// GatewayConfig tunes the edge gateway.
type GatewayConfig struct {
	WindowMS int64     // downsampling window, device-clock ms; default 1000
	Horizon  int       // windows per device kept open to corrections; default 120
	Detector *Detector // the local alert rule; nil raises no alerts
	Reflex   bool      // send a cool-down command to a device whose reading raised an alert
	Ledger   *Ledger   // where decisions are recorded; a new one when nil
	// Domain is the edge's JetStream domain (DefaultEdgeDomain when empty);
	// without store-and-forward, readings go to hubSubject(Domain, ...).
	Domain     string
	Safeguards Safeguards
	// AfterStore, when set, is called once a reading is stored, before its
	// raw payload is acknowledged. Returning ErrAckLost leaves the payload
	// unacknowledged, as if the ack was lost in an edge crash: the landing
	// stream delivers it again after its AckWait. It is the seam through
	// which the demo crashes the edge server at exactly that moment.
	AfterStore func(ctx context.Context, r Reading) error
}

// Gateway is the edge's processing loop. It reads every MQTT telemetry
// payload from the landing stream (see SetupLanding), and for each:
//
//   - dead-letters what is not a valid reading, with the reason;
//   - dead-letters what a device reports it got on its command topic and
//     is no command (a Rejection), with the device's reason;
//   - raises an alert (and, with Reflex, commands the machine to cool down)
//     for an over-temperature reading, whether or not the hub is reachable;
//   - stores a valid reading in TELEMETRY with its reading ID as Nats-Msg-Id,
//     or dead-letters it as refused when that buffer is full;
//   - folds each accepted reading into its device's window and publishes
//     closed windows to EVENTS.
//
// It acknowledges a raw payload only after everything it caused is stored,
// so a crash anywhere means a redelivery, and message IDs make the
// redelivery harmless.
type Gateway struct {
	cfg    GatewayConfig
	nc     *nats.Conn
	js     jetstream.JetStream
	ledger *Ledger

	mu      sync.Mutex // one payload at a time; Flush waits its turn
	down    *Downsampler
	stopped bool // Run returned
	failed  bool // a payload failed: stop deciding until the next Run
}

// NewGateway builds a gateway on nc, a connection to the edge server.
func NewGateway(nc *nats.Conn, cfg GatewayConfig) (*Gateway, error) {
	if cfg.WindowMS <= 0 {
		cfg.WindowMS = 1000
	}
	if cfg.Horizon <= 0 {
		cfg.Horizon = 120
	}
	if cfg.Ledger == nil {
		cfg.Ledger = NewLedger()
	}
	if cfg.Domain == "" {
		cfg.Domain = DefaultEdgeDomain
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("gateway jetstream: %w", err)
	}
	return &Gateway{
		cfg:    cfg,
		nc:     nc,
		js:     js,
		ledger: cfg.Ledger,
		down:   NewDownsampler(cfg.WindowMS, cfg.Horizon),
	}, nil
}

// Ledger is where the gateway records its decisions.
func (g *Gateway) Ledger() *Ledger { return g.ledger }

// WindowMS is the downsampling window in device-clock milliseconds.
func (g *Gateway) WindowMS() int64 { return g.cfg.WindowMS }

// Run processes the landing stream until ctx ends. It survives edge restarts: the
// connection reconnects and the durable consumer resumes where the last
// acknowledgement left it.
func (g *Gateway) Run(ctx context.Context) error {
	g.mu.Lock()
	g.stopped, g.failed = false, false
	g.mu.Unlock()
	cons, err := g.js.Consumer(ctx, StreamMQTT, GatewayConsumer)
	if err != nil {
		return fmt.Errorf("gateway consumer on %s (SetupLanding creates it): %w", StreamMQTT, err)
	}
	failed := make(chan error, 1)
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		if err := g.handle(ctx, msg); err != nil && ctx.Err() == nil {
			select {
			case failed <- err:
			default:
			}
		}
	}, jetstream.PullMaxMessages(gatewayPullBatch), jetstream.PullHeartbeat(time.Second))
	if err != nil {
		return fmt.Errorf("gateway pull from %s: %w", StreamMQTT, err)
	}
	defer func() {
		cc.Stop()
		<-cc.Closed()
		g.mu.Lock() // wait out a payload in flight; later ones are ignored
		g.stopped = true
		g.mu.Unlock()
	}()
	select {
	case <-ctx.Done():
		return nil
	case err := <-failed:
		return err
	}
}

// handle decides about one raw payload.
func (g *Gateway) handle(ctx context.Context, msg jetstream.Msg) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped || g.failed {
		return nil // not acknowledged: the landing stream delivers it again to the next run
	}
	err := g.decide(ctx, msg)
	if err != nil {
		g.failed = true
	}
	return err
}

// decide is handle's body, with g.mu held.
func (g *Gateway) decide(ctx context.Context, msg jetstream.Msg) error {
	subject, payload := strings.TrimPrefix(msg.Subject(), mqttStorePrefix), msg.Data()
	if device, ok := deviceFromRejectsSubject(subject); ok {
		return g.rejection(ctx, msg, device, subject, payload)
	}
	device, err := deviceFromIngestSubject(subject)
	var r Reading
	if err == nil {
		r, err = DecodeReading(device, payload)
	}
	if err != nil {
		dl := deadLetter{
			key: MalformedKey(subject, payload), device: device, topic: subject,
			outcome: OutcomeMalformed, reason: reasonOf(err), payload: payload,
		}
		if err := g.deadLetter(ctx, dl); err != nil {
			return err
		}
		return ack(msg)
	}

	// Safety first: the alert does not depend on the reading being accepted.
	if alert, ok := g.cfg.Detector.Check(r); ok {
		if err := g.raise(ctx, alert); err != nil {
			return err
		}
	}
	if g.down.TooLate(r) {
		dl := deadLetter{
			key: "late/" + r.ID(), ledgerKey: r.ID(), device: r.Device, topic: subject,
			outcome: OutcomeLate, payload: r.Encode(),
			reason: fmt.Sprintf("late: its %d ms window closed more than %d windows ago", g.cfg.WindowMS, g.cfg.Horizon),
		}
		if err := g.deadLetter(ctx, dl); err != nil {
			return err
		}
		return ack(msg)
	}

	duplicate, err := g.store(ctx, r)
	if errors.Is(err, ErrBufferFull) {
		dl := deadLetter{
			key: "refused/" + r.ID(), ledgerKey: r.ID(), device: r.Device, topic: subject,
			outcome: OutcomeRefused, payload: r.Encode(), reason: "edge buffer full: " + err.Error(),
		}
		if err := g.deadLetter(ctx, dl); err != nil {
			return err
		}
		return ack(msg)
	}
	if err != nil {
		return fmt.Errorf("store reading %s: %w", r.ID(), err)
	}
	g.ledger.record(r.ID(), OutcomeAccepted, duplicate)
	for _, agg := range g.down.Add(r) {
		if err := g.publishAggregate(ctx, agg); err != nil {
			return err
		}
	}
	if g.cfg.AfterStore != nil {
		if err := g.cfg.AfterStore(ctx, r); errors.Is(err, ErrAckLost) {
			return nil // not acknowledged: the landing stream delivers it again
		} else if err != nil {
			return err
		}
	}
	return ack(msg)
}

// rejection dead-letters what a device reported it got on its command
// topic and is no command, as the device saw it: the original subject and
// payload, the device's reason. A report that is itself malformed is
// dead-lettered as malformed, like a broken reading.
func (g *Gateway) rejection(ctx context.Context, msg jetstream.Msg, device, subject string, payload []byte) error {
	var dl deadLetter
	if r, err := DecodeRejection(device, payload); err != nil {
		dl = deadLetter{
			key: MalformedKey(subject, payload), device: device, topic: subject,
			outcome: OutcomeMalformed, reason: reasonOf(err), payload: payload,
		}
	} else {
		dl = deadLetter{
			key: r.ID(), device: device, topic: r.Subject,
			outcome: OutcomeNotCommand, reason: "device " + device + " refused it: " + r.Reason, payload: r.Payload,
		}
	}
	if err := g.deadLetter(ctx, dl); err != nil {
		return err
	}
	return ack(msg)
}

// store puts an accepted reading on its way to the hub: into TELEMETRY, the
// store-and-forward buffer, with its reading ID as message ID. It reports
// whether the buffer already had it (a copy). Without store-and-forward
// (a switch of the demo) it publishes the reading straight to the hub
// instead, with core NATS: fire and forget.
func (g *Gateway) store(ctx context.Context, r Reading) (duplicate bool, err error) {
	if g.cfg.Safeguards.NoStoreAndForward {
		m := nats.NewMsg(hubSubject(g.cfg.Domain, telemetrySubject(r.Device)))
		m.Data = r.Encode()
		if !g.cfg.Safeguards.NoDedupe {
			m.Header.Set(nats.MsgIdHdr, r.ID())
		}
		return false, g.nc.PublishMsg(m)
	}
	pub, err := g.publish(ctx, telemetrySubject(r.Device), r.Encode(), r.ID(), nil, true)
	if err != nil {
		return false, err
	}
	return pub.Duplicate, nil
}

// ack acknowledges a raw payload. A lost ack (the edge restarting) means a
// redelivery, which the message IDs absorb, so its error is no failure.
func ack(msg jetstream.Msg) error {
	_ = msg.Ack()
	return nil
}

// raise publishes an alert to EVENTS and, with Reflex, tells the device to
// cool down. Both happen at the edge and need no hub.
func (g *Gateway) raise(ctx context.Context, a Alert) error {
	if _, err := g.publish(ctx, alertSubject(a.Device), a.Encode(), a.ID(), nil, false); err != nil {
		return fmt.Errorf("raise %s: %w", a.ID(), err)
	}
	g.ledger.alert(a.ID())
	if g.cfg.Reflex {
		cmd := reflexCommand(a)
		if err := g.nc.Publish(commandSubject(a.Device), mustJSON(cmd)); err != nil {
			return fmt.Errorf("reflex %s: %w", cmd.ID, err)
		}
		g.ledger.count(func(s *LedgerStats) { s.Reflexes++ })
	}
	return nil
}

func (g *Gateway) publishAggregate(ctx context.Context, a Aggregate) error {
	if _, err := g.publish(ctx, aggregateSubject(a.Device), a.Encode(), a.ID(), nil, false); err != nil {
		return fmt.Errorf("publish aggregate %s: %w", a.ID(), err)
	}
	g.ledger.count(func(s *LedgerStats) { s.Aggregates++ })
	return nil
}

// Flush publishes the aggregates of every window changed since it was last
// published, the open ones included, and returns how many. Readings that
// arrive later for a flushed window publish a correction.
func (g *Gateway) Flush(ctx context.Context) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	aggs := g.down.Flush()
	for _, a := range aggs {
		if err := g.publishAggregate(ctx, a); err != nil {
			return 0, err
		}
	}
	return len(aggs), nil
}

// deadLetter is a payload the gateway refuses, and why.
type deadLetter struct {
	key       string // its message ID in DLQ
	ledgerKey string // its key in the ledger when not key (a reading ID)
	device    string
	topic     string
	outcome   Outcome
	reason    string
	payload   []byte
}

func (g *Gateway) deadLetter(ctx context.Context, dl deadLetter) error {
	key := dl.ledgerKey
	if key == "" {
		key = dl.key
	}
	if g.cfg.Safeguards.NoDeadLetter {
		g.ledger.record(key, OutcomeDropped, false)
		return nil // acknowledged and gone: what the switch shows
	}
	device := dl.device
	if !ValidDeviceID(device) {
		device = "unknown"
	}
	hdr := nats.Header{}
	hdr.Set(HeaderKind, string(dl.outcome))
	hdr.Set(HeaderDevice, device)
	if dl.ledgerKey != "" {
		hdr.Set(HeaderReading, dl.ledgerKey)
	}
	m, err := deadletter.NewMsg(dlqSubject(device), deadletter.Letter{Subject: dl.topic, Header: hdr, Data: dl.payload, Reason: dl.reason})
	if err != nil {
		return fmt.Errorf("dead-letter %s: %w", dl.key, err)
	}
	if _, err := g.publish(ctx, m.Subject, m.Data, dl.key, m.Header, false); err != nil {
		return fmt.Errorf("dead-letter %s: %w", dl.key, err)
	}
	g.ledger.record(key, dl.outcome, false)
	return nil
}

// reasonOf is the dead-letter reason for a decoding error.
func reasonOf(err error) string {
	var inv *InvalidError
	if errors.As(err, &inv) {
		return inv.Reason
	}
	return err.Error()
}
