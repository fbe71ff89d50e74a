package edge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/industries/manufacturing/floor"
	"github.com/patternlab/patternlab/industries/manufacturing/plant"
	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/patterns/backpressure"
	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"
)

// Subjects and streams the line controller uses on its edge server. The
// accepted readings go to edge-iot's store-and-forward buffer (TELEMETRY,
// on telemetry.<machine>), the stop events to its EVENTS stream (on
// events.alert.<machine>), the dead letters to its DLQ (dlq.<machine>):
// edge-iot's forwarder carries all three to the hub. The archive stays at
// the edge: it is what the hub's figures are checked against.
const (
	StreamArchive  = "ARCHIVE"
	archiveAll     = "telemetry.archive.>"
	archiveReading = "telemetry.archive.readings."
	archiveStop    = "telemetry.archive.stops."
	// ControllerConsumer is the line controller's durable consumer on the
	// MQTT landing stream: a PUBACK to a machine means the controller
	// will see the reading, across edge restarts.
	ControllerConsumer = "line-controller"
	landingReadings    = "$MQTT.msgs.machines.*.readings"
)

// ControllerConfig is what one plant's line controller runs with.
type ControllerConfig struct {
	Floor plant.Floor
	Plant plant.Plant
	Rule  Rule
	// AckWait is how soon the landing stream redelivers a reading the
	// controller took and did not acknowledge (it crashed, or the edge
	// restarted).
	AckWait time.Duration
	// CommandRetry is how often a stop command is resent until the machine
	// acknowledges it.
	CommandRetry time.Duration
	// CommandDeadline is how long a stop command is resent at most.
	CommandDeadline time.Duration

	// LocalStop stops the line from the edge. Off (the switch
	// -local-stop=false), the edge reports the anomaly and the hub decides,
	// across the WAN link.
	LocalStop bool
	// Dedupe gives every reading, event and dead letter its message ID.
	// Off (-dedupe=false), a copy cannot be told from a new message.
	Dedupe bool
	// AfterStore, when set, is called once a reading is archived and stored
	// and before its MQTT payload is acknowledged; returning true leaves it
	// unacknowledged, as an edge crash at that moment would. The demo's
	// gateway restart goes through it.
	AfterStore func(r plant.Reading) bool
}

// Tally is what the controller decided, for the narration.
type Tally struct {
	Accepted, Copies, Malformed, Refused, Stops int
	MalformedBy                                 map[string]int // per machine ("unknown" when the topic names none)
	Retried                                     int            // payloads left for a redelivery after a failed store
	LastErr                                     string         // why the last one failed
}

// Controller is one plant's line controller on its edge server.
type Controller struct {
	cfg      ControllerConfig
	js       jetstream.JetStream
	dispatch *edgeiot.Dispatcher
	detector *Detector
	machines map[string]plant.Line

	stopping map[string]string // line -> the machine whose anomaly stopped it, until that machine reports stopped

	mu      sync.Mutex
	tally   Tally
	events  []StopEvent
	sends   sync.WaitGroup
	sendErr error
}

// SetupController creates the archive stream and the controller's durable
// consumer on the landing stream, through js, a JetStream context of the
// edge (whose MQTT streams StartSite has created). It must run before the
// machines publish: a reading landing before the consumer exists has no
// interest and is dropped.
func SetupController(ctx context.Context, js jetstream.JetStream, ackWait time.Duration, dupWindow time.Duration) error {
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: StreamArchive, Description: "raw readings and stop events, kept at the edge",
		Subjects: []string{archiveAll}, Storage: jetstream.FileStorage, Duplicates: dupWindow,
	}); err != nil {
		return fmt.Errorf("archive stream: %w", err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, edgeiot.StreamMQTT, jetstream.ConsumerConfig{
		Durable: ControllerConsumer, Description: "the line controller",
		FilterSubject: landingReadings, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: ackWait, MaxAckPending: 1024, MaxDeliver: -1,
	}); err != nil {
		return fmt.Errorf("controller consumer on %s: %w", edgeiot.StreamMQTT, err)
	}
	return nil
}

// NewController builds the controller on nc, the edge connection of a user
// allowed to publish on edge-iot's protected subjects.
func NewController(nc *nats.Conn, cfg ControllerConfig) (*Controller, error) {
	if err := cfg.Rule.Validate(); err != nil {
		return nil, err
	}
	// The stores are asynchronous (see Run): a PubAck the server never
	// sends (it restarted) is a timeout, and the payload comes back.
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(storeTimeout))
	if err != nil {
		return nil, err
	}
	c := &Controller{cfg: cfg, js: js, dispatch: edgeiot.NewDispatcher(nc), detector: NewDetector(cfg.Rule),
		machines: map[string]plant.Line{}, stopping: map[string]string{}, tally: Tally{MalformedBy: map[string]int{}}}
	for _, l := range cfg.Plant.Lines {
		for _, m := range l.Machines {
			c.machines[m.ID] = l
		}
	}
	return c, nil
}

// Run takes the machines' readings from the landing stream until ctx ends.
// It survives edge restarts: a payload it could not store stays
// unacknowledged and comes back, the connection reconnects and the durable
// consumer resumes after the last acknowledgement.
func (c *Controller) Run(ctx context.Context) error {
	cons, err := c.js.Consumer(ctx, edgeiot.StreamMQTT, ControllerConsumer)
	if err != nil {
		return fmt.Errorf("controller consumer (SetupController creates it): %w", err)
	}
	// The payloads are decided one at a time, in order (the detector
	// follows each machine in order), but their stores are pipelined: a
	// reading's archive and buffer publishes go out at once and the next
	// payload is decided while they are on their way; settle waits for
	// the PubAcks of up to storeWindow readings, in order, and only then
	// acknowledges each payload. Waiting for each reading's round trip
	// before deciding the next one capped the controller at one reading
	// per round trip (benchmarks/results/manufacturing.profile).
	window := make(chan stored, storeWindow)
	settled := make(chan struct{})
	go func() { // owned by Run: it waits for settled
		defer close(settled)
		for {
			select {
			case <-ctx.Done(): // what is still in the window stays unacknowledged and comes back
				return
			case st := <-window:
				c.retry(ctx, c.settle(ctx, st))
			}
		}
	}()
	var mu sync.Mutex // one payload at a time: the detector follows each machine in order
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		mu.Lock()
		defer mu.Unlock()
		st, err := c.handle(ctx, msg)
		if err != nil || st.msg == nil {
			c.retry(ctx, err)
			return
		}
		select {
		case window <- st: // a full window waits: at most storeWindow readings unsettled
		case <-ctx.Done():
		}
	}, jetstream.PullMaxMessages(256), jetstream.PullHeartbeat(time.Second))
	if err != nil {
		return fmt.Errorf("controller pull: %w", err)
	}
	defer func() {
		cc.Stop()
		<-cc.Closed()
		<-settled
		c.sends.Wait()
	}()
	<-ctx.Done()
	return nil
}

// storeWindow is how many readings the controller has decided and is
// storing without the server's PubAcks yet; storeTimeout how long it waits
// for one.
const (
	storeWindow  = 64
	storeTimeout = 5 * time.Second
)

// stored is a decided reading whose archive and buffer publishes are on
// their way.
type stored struct {
	msg                jetstream.Msg
	subject            string
	r                  plant.Reading
	archived, buffered jetstream.PubAckFuture
}

// retry counts a payload left unacknowledged because of err, if any.
func (c *Controller) retry(ctx context.Context, err error) {
	if err != nil && ctx.Err() == nil {
		// The edge server restarting, or a store timing out: the
		// payload stays unacknowledged and comes back after AckWait,
		// and the message IDs make the second attempt harmless.
		c.count(func(t *Tally) { t.Retried++; t.LastErr = err.Error() })
	}
}

// handle decides about one payload and starts its stores, for settle to
// finish; a dead letter it finishes itself (and returns no stored). An
// error leaves the payload unacknowledged.
func (c *Controller) handle(ctx context.Context, msg jetstream.Msg) (stored, error) {
	subject := strings.TrimPrefix(msg.Subject(), "$MQTT.msgs.")
	machine := machineOf(subject)
	r, err := plant.Decode(machine, msg.Data())
	if err == nil {
		if _, ok := c.machines[machine]; !ok {
			err = &plant.InvalidError{Reason: fmt.Sprintf("machine %q is not on a line of %s", machine, c.cfg.Plant.ID)}
		}
	}
	if err != nil {
		return stored{}, c.deadLetter(ctx, msg, subject, machine, err)
	}
	line := c.machines[machine]
	if c.stopping[line.ID] == machine && r.State == plant.Stopped {
		delete(c.stopping, line.ID) // the stop took effect
	}
	if a, ok := c.detector.Check(r); ok && c.stopping[line.ID] == "" {
		// One stop per incident: the readings a worn machine sends before
		// its stop takes effect are anomalies of the same incident.
		c.stopping[line.ID] = machine
		if err := c.stop(ctx, line, a); err != nil {
			return stored{}, err
		}
	}
	// The buffer and the archive are written at once, without waiting:
	// settle waits for both. The settle wait of the system counts the hub
	// against the archive, so their order does not matter to it.
	st := stored{msg: msg, subject: subject, r: r}
	if st.archived, err = c.publishAsync(archiveReading+machine, r.Encode(), r.ID()); err != nil {
		return stored{}, fmt.Errorf("archive %s: %w", r.ID(), err)
	}
	if st.buffered, err = c.publishAsync("telemetry."+machine, r.Encode(), r.ID()); err != nil {
		return stored{}, fmt.Errorf("store %s: %w", r.ID(), err)
	}
	return st, nil
}

// settle waits for a reading's two stores and acknowledges its payload;
// a full buffer refuses it to the dead letters (archived all the same: the
// raw reading the plant made). An error leaves the payload unacknowledged.
func (c *Controller) settle(ctx context.Context, st stored) error {
	r := st.r
	if _, err := pubAck(ctx, st.archived); err != nil {
		return fmt.Errorf("archive %s: %w", r.ID(), err)
	}
	ack, err := pubAck(ctx, st.buffered)
	switch {
	case backpressure.IsStreamFull(err):
		return c.refuse(ctx, st.msg, st.subject, r, err)
	case err != nil:
		return fmt.Errorf("store %s: %w", r.ID(), err)
	}
	msg := st.msg
	c.count(func(t *Tally) {
		if ack.Duplicate {
			t.Copies++
		} else {
			t.Accepted++
		}
	})
	if c.cfg.AfterStore != nil && c.cfg.AfterStore(r) {
		return nil // not acknowledged: the landing stream delivers it again
	}
	_ = msg.Ack() // a lost ack is a redelivery, which the message IDs absorb
	return nil
}

// stop raises the stop event and, with LocalStop, commands every machine
// of the line to stop, without waiting for the hub.
func (c *Controller) stop(ctx context.Context, line plant.Line, a Anomaly) error {
	r := a.Reading
	ev := StopEvent{ID: StopID(r), Kind: KindStop, Plant: c.cfg.Plant.ID, Line: line.ID, Machine: r.Machine,
		Reading: r.ID(), TS: r.TS, Signal: a.Signal, Z: float64(int(a.Z()*10)) / 10}
	if !c.cfg.LocalStop {
		ev.Kind = KindAnomaly
	}
	if ev.Kind == KindStop {
		for _, m := range line.Machines {
			c.send(ctx, m.ID, edgeiot.DeviceCommand{ID: ev.ID, Action: floor.ActionStop, Issuer: "edge"})
		}
	}
	if _, err := c.publish(ctx, archiveStop+r.Machine, ev.Encode(), ev.ID, nil); err != nil {
		return fmt.Errorf("archive %s: %w", ev.ID, err)
	}
	if _, err := c.publish(ctx, "events.alert."+r.Machine, ev.Encode(), ev.ID, nil); err != nil {
		return fmt.Errorf("raise %s: %w", ev.ID, err)
	}
	c.mu.Lock()
	c.tally.Stops++
	c.events = append(c.events, ev)
	c.mu.Unlock()
	return nil
}

// Stops lists the stop events the controller raised, in order.
func (c *Controller) Stops() []StopEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]StopEvent(nil), c.events...)
}

// send delivers a command to a machine, resending until it acknowledges,
// in the background: the controller goes on with the next reading.
func (c *Controller) send(ctx context.Context, machine string, cmd edgeiot.DeviceCommand) {
	c.sends.Add(1)
	go func() { // owned by c: Run waits for it
		defer c.sends.Done()
		sctx, cancel := context.WithTimeout(ctx, c.cfg.CommandDeadline)
		defer cancel()
		if _, err := c.dispatch.Send(sctx, machine, cmd, c.cfg.CommandRetry, nil); err != nil && ctx.Err() == nil {
			c.mu.Lock()
			c.sendErr = errors.Join(c.sendErr, err)
			c.mu.Unlock()
		}
	}()
}

func (c *Controller) deadLetter(ctx context.Context, msg jetstream.Msg, subject, machine string, cause error) error {
	var inv *plant.InvalidError
	reason := cause.Error()
	if errors.As(cause, &inv) {
		reason = inv.Reason
	}
	if !edgeiot.ValidDeviceID(machine) {
		machine = "unknown"
	}
	hdr := nats.Header{}
	hdr.Set(edgeiot.HeaderKind, string(edgeiot.OutcomeMalformed))
	hdr.Set(edgeiot.HeaderDevice, machine)
	dl, err := deadletter.NewMsg("dlq."+machine, deadletter.Letter{Subject: subject, Header: hdr, Data: msg.Data(), Reason: reason})
	if err != nil {
		return err
	}
	ack, err := c.publish(ctx, dl.Subject, dl.Data, edgeiot.MalformedKey(subject, msg.Data()), dl.Header)
	if err != nil {
		return fmt.Errorf("dead-letter from %s: %w", machine, err)
	}
	if !ack.Duplicate {
		c.count(func(t *Tally) { t.Malformed++; t.MalformedBy[machine]++ })
	}
	_ = msg.Ack()
	return nil
}

func (c *Controller) refuse(ctx context.Context, msg jetstream.Msg, subject string, r plant.Reading, cause error) error {
	hdr := nats.Header{}
	hdr.Set(edgeiot.HeaderKind, string(edgeiot.OutcomeRefused))
	hdr.Set(edgeiot.HeaderDevice, r.Machine)
	hdr.Set(edgeiot.HeaderReading, r.ID())
	dl, err := deadletter.NewMsg("dlq."+r.Machine, deadletter.Letter{Subject: subject, Header: hdr, Data: msg.Data(), Reason: "edge buffer full: " + cause.Error()})
	if err != nil {
		return err
	}
	if _, err := c.publish(ctx, dl.Subject, dl.Data, "refused/"+r.ID(), dl.Header); err != nil {
		return fmt.Errorf("dead-letter %s: %w", r.ID(), err)
	}
	c.count(func(t *Tally) { t.Refused++ })
	_ = msg.Ack()
	return nil
}

// pubAck waits for the server's answer to an asynchronous publish.
func pubAck(ctx context.Context, f jetstream.PubAckFuture) (*jetstream.PubAck, error) {
	select {
	case ack := <-f.Ok():
		return ack, nil
	case err := <-f.Err():
		return nil, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// publishAsync is publish without waiting for the server's answer.
func (c *Controller) publishAsync(subject string, data []byte, id string) (jetstream.PubAckFuture, error) {
	m := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	if c.cfg.Dedupe {
		m.Header.Set(nats.MsgIdHdr, id)
	}
	return c.js.PublishMsgAsync(m)
}

// publish stores a message in an edge stream, with id as its message ID
// unless the dedupe is switched off.
func (c *Controller) publish(ctx context.Context, subject string, data []byte, id string, hdr nats.Header) (*jetstream.PubAck, error) {
	m := &nats.Msg{Subject: subject, Data: data, Header: hdr}
	if m.Header == nil {
		m.Header = nats.Header{}
	}
	if c.cfg.Dedupe {
		m.Header.Set(nats.MsgIdHdr, id)
	}
	return c.js.PublishMsg(ctx, m)
}

func (c *Controller) count(f func(*Tally)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.tally)
}

// Tally returns the counts so far.
func (c *Controller) Tally() Tally {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tally
	t.MalformedBy = make(map[string]int, len(c.tally.MalformedBy))
	for k, v := range c.tally.MalformedBy {
		t.MalformedBy[k] = v
	}
	return t
}

// SendErr is what went wrong delivering stop commands, if anything.
func (c *Controller) SendErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sendErr
}

// machineOf is the machine token of machines.<machine>.readings, or "".
func machineOf(subject string) string {
	parts := strings.Split(subject, ".")
	if len(parts) != 3 || parts[0] != "machines" || parts[2] != "readings" {
		return ""
	}
	return parts[1]
}
