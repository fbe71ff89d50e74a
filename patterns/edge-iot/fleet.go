package edgeiot

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"
)

// FleetConfig describes the simulated machines.
type FleetConfig struct {
	Devices int     // how many machines
	Rate    float64 // readings per second per machine (wall clock); 0: as fast as the broker acks
	Sensor  SensorConfig
	// Prefix names the machines: <prefix>-01, <prefix>-02, ...; "cnc" when empty.
	Prefix string
}

// Fleet is a set of simulated machines, each an MQTT 3.1.1 client of the
// edge publishing its sensor's readings at QoS 1 and obeying commands.
type Fleet struct {
	cfg     FleetConfig
	devices []*Device

	cancel context.CancelFunc
	loops  *errgroup.Group // one command loop per device
}

// Device is one simulated machine.
type Device struct {
	ID     string
	client mqtt.Client
	sensor *sensor
	inbox  chan DeviceCommand
	// reports holds what arrived on the command topic and is no command,
	// for the loop to report to the edge (see Rejection).
	reports chan Rejection

	mu        sync.Mutex
	published []Payload                // acknowledged by the broker (PUBACK)
	sentAt    map[uint64]time.Time     // when each reading was handed to the client
	applied   map[string]DeviceCommand // commands applied, by ID: each once
	copies    int                      // command copies received, duplicates included
	reflexLag []time.Duration          // reading sent -> its cool-down command received
	dropped   int                      // commands and reports dropped because the inbox was full
	rejects   uint64                   // non-commands received: the last Rejection.Seq
	reported  int                      // rejections the broker acknowledged (PUBACK)
}

// ConnectFleet connects cfg.Devices machines to the MQTT broker at broker
// (tcp://host:port) and subscribes each to its command topic.
//
// Each client keeps a persistent session (clean session off) and reconnects
// on its own. With QoS 1 that is what makes a broker restart lose nothing:
// the broker keeps the session, and the client resends every PUBLISH not
// yet acknowledged.
func ConnectFleet(ctx context.Context, broker string, cfg FleetConfig) (*Fleet, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "cnc"
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	loops, loopCtx := errgroup.WithContext(loopCtx)
	f := &Fleet{cfg: cfg, cancel: cancel, loops: loops}
	for i := range cfg.Devices {
		id := fmt.Sprintf("%s-%02d", cfg.Prefix, i+1)
		d := &Device{
			ID:      id,
			sensor:  newSensor(id, i, cfg.Sensor),
			inbox:   make(chan DeviceCommand, 1024),
			reports: make(chan Rejection, 64),
			sentAt:  map[uint64]time.Time{},
			applied: map[string]DeviceCommand{},
		}
		if err := d.connect(ctx, broker); err != nil {
			f.Close()
			return nil, err
		}
		f.devices = append(f.devices, d)
		loops.Go(func() error { return d.obey(loopCtx) })
	}
	return f, nil
}

// connect dials the broker and subscribes to the device's command topic.
func (d *Device) connect(ctx context.Context, broker string) error {
	opts := mqtt.NewClientOptions().
		AddBroker(broker).
		SetClientID(d.ID).
		SetCleanSession(false).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(50 * time.Millisecond).
		SetMaxReconnectInterval(200 * time.Millisecond).
		SetKeepAlive(5 * time.Second).
		SetWriteTimeout(5 * time.Second)
	d.client = mqtt.NewClient(opts)
	if err := wait(ctx, d.client.Connect()); err != nil {
		return fmt.Errorf("connect %s to %s: %w", d.ID, broker, err)
	}
	topic := fmt.Sprintf(topicCommands, d.ID)
	if err := wait(ctx, d.client.Subscribe(topic, 1, d.receive)); err != nil {
		d.client.Disconnect(0)
		return fmt.Errorf("subscribe %s to %s: %w", d.ID, topic, err)
	}
	return nil
}

// wait waits for an MQTT token or ctx.
func wait(ctx context.Context, t mqtt.Token) error {
	select {
	case <-t.Done():
		return t.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// receive runs on the MQTT client's goroutine: it must not block, so it
// hands the command, or the report of a payload that is no command, to the
// device's loop.
func (d *Device) receive(_ mqtt.Client, m mqtt.Message) {
	cmd, err := DecodeCommand(m.Payload())
	if err != nil {
		d.reject(m, reasonOf(err))
		return
	}
	select {
	case d.inbox <- cmd:
	default:
		d.mu.Lock()
		d.dropped++
		d.mu.Unlock()
	}
}

// reject hands the loop a report of m, which is no command. The report
// carries at most MaxPayloadBytes of the payload (and says so when it cut).
func (d *Device) reject(m mqtt.Message, reason string) {
	body := m.Payload()
	if len(body) > MaxPayloadBytes {
		reason = fmt.Sprintf("%s (payload of %d bytes cut to %d)", reason, len(body), MaxPayloadBytes)
		body = body[:MaxPayloadBytes]
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.rejects++
	r := Rejection{Device: d.ID, Seq: d.rejects, Subject: commandSubject(d.ID), Reason: reason, Payload: bytes.Clone(body)}
	select {
	case d.reports <- r:
	default:
		d.dropped++
	}
}

// obey applies commands (each ID once) and acknowledges every copy, and
// reports to the edge what arrived on the command topic and is no command.
func (d *Device) obey(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case r := <-d.reports:
			t := d.client.Publish(fmt.Sprintf(topicRejects, d.ID), 1, false, mustJSON(r))
			if err := wait(ctx, t); err != nil {
				if ctx.Err() == nil {
					return fmt.Errorf("%s report rejection %d: %w", d.ID, r.Seq, err)
				}
				return nil
			}
			d.mu.Lock()
			d.reported++
			d.mu.Unlock()
		case cmd := <-d.inbox:
			d.apply(cmd, time.Now())
			ackTopic := fmt.Sprintf(topicAcks, d.ID)
			t := d.client.Publish(ackTopic, 1, false, mustJSON(CommandAck{ID: cmd.ID, Device: d.ID}))
			if err := wait(ctx, t); err != nil && ctx.Err() == nil {
				return fmt.Errorf("%s ack %s: %w", d.ID, cmd.ID, err)
			}
		}
	}
}

func (d *Device) apply(cmd DeviceCommand, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.copies++
	if _, done := d.applied[cmd.ID]; done {
		return
	}
	d.applied[cmd.ID] = cmd
	var seq uint64
	if _, err := fmt.Sscanf(cmd.ID, "reflex/"+d.ID+"/%d", &seq); err == nil {
		if sent, ok := d.sentAt[seq]; ok {
			d.reflexLag = append(d.reflexLag, at.Sub(sent))
		}
	}
}

// Rejected counts the payloads the device got on its command topic that
// were no command and whose report the broker acknowledged.
func (d *Device) Rejected() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reported
}

// Applied reports whether the device has applied the command with this ID.
func (d *Device) Applied(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.applied[id]
	return ok
}

// Devices lists the fleet's machines.
func (f *Fleet) Devices() []*Device { return f.devices }

// Device returns the machine with this ID, or nil.
func (f *Fleet) Device(id string) *Device {
	for _, d := range f.devices {
		if d.ID == id {
			return d
		}
	}
	return nil
}

// Publish makes every machine publish n more payloads at the fleet's rate,
// and returns once the broker has acknowledged all of them (PUBACK), with
// the payloads in device then sequence order. A broker restart in the middle
// only delays it: the clients reconnect and resend.
func (f *Fleet) Publish(ctx context.Context, n int) ([]Payload, error) {
	batches := make([][]Payload, len(f.devices))
	g, ctx := errgroup.WithContext(ctx)
	for i, d := range f.devices {
		g.Go(func() error {
			b, err := d.publish(ctx, n, f.cfg.Rate)
			batches[i] = b
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []Payload
	for _, b := range batches {
		out = append(out, b...)
	}
	return out, nil
}

func (d *Device) publish(ctx context.Context, n int, perSecond float64) ([]Payload, error) {
	limit := rate.NewLimiter(rate.Inf, 1)
	if perSecond > 0 {
		limit = rate.NewLimiter(rate.Limit(perSecond), 1)
	}
	batch := make([]Payload, 0, n)
	tokens := make([]mqtt.Token, 0, n)
	for range n {
		if err := limit.Wait(ctx); err != nil {
			return nil, err
		}
		p := d.sensor.next()
		if p.Valid {
			d.mu.Lock()
			d.sentAt[p.Reading.Seq] = time.Now()
			d.mu.Unlock()
		}
		batch = append(batch, p)
		tokens = append(tokens, d.client.Publish(p.Topic, 1, false, p.Body))
	}
	for i, t := range tokens {
		if err := wait(ctx, t); err != nil {
			return nil, fmt.Errorf("%s publish %s: %w", d.ID, batch[i].Key, err)
		}
	}
	d.mu.Lock()
	d.published = append(d.published, batch...)
	d.mu.Unlock()
	return batch, nil
}

// Published returns every payload the broker acknowledged, all devices.
func (f *Fleet) Published() []Payload {
	var out []Payload
	for _, d := range f.devices {
		d.mu.Lock()
		out = append(out, d.published...)
		d.mu.Unlock()
	}
	return out
}

// ReflexLatencies returns, for every alert's cool-down command a device
// received, the time from handing the reading to the MQTT client to
// receiving the command: the edge's local control loop, hub not involved.
func (f *Fleet) ReflexLatencies() []time.Duration {
	var out []time.Duration
	for _, d := range f.devices {
		d.mu.Lock()
		out = append(out, d.reflexLag...)
		d.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// CommandCopies counts command messages received, duplicates included, and
// commands dropped on a full inbox.
func (f *Fleet) CommandCopies() (copies, dropped int) {
	for _, d := range f.devices {
		d.mu.Lock()
		copies += d.copies
		dropped += d.dropped
		d.mu.Unlock()
	}
	return copies, dropped
}

// Close stops the command loops and disconnects every machine.
func (f *Fleet) Close() error {
	f.cancel()
	err := f.loops.Wait()
	for _, d := range f.devices {
		d.client.Disconnect(100)
	}
	return err
}
