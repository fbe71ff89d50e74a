// Package floor puts the simulated machines of package plant on the wire:
// each machine is an MQTT 3.1.1 client of its plant's edge gateway that
// publishes one reading per interval at QoS 1 and obeys stop commands.
package floor

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/industries/manufacturing/plant"
	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"
)

// The MQTT topics of the case. nats-server maps "/" to ".", so a reading
// on machines/a-l1-m1/readings is the NATS subject machines.a-l1-m1.readings
// at the edge; commands/<machine> and devices/<machine>/acks are the topics
// patterns/edge-iot's command path uses.
const (
	readingsTopic = "machines/%s/readings"
	commandsTopic = "commands/%s"
	acksTopic     = "devices/%s/acks"
)

// ReadingsTopic is the MQTT topic machine publishes its readings on.
func ReadingsTopic(machine string) string { return fmt.Sprintf(readingsTopic, machine) }

// ActionStop is the command that halts a machine until it is repaired.
const ActionStop = "stop"

// Stop is a stop command as a machine received it.
type Stop struct {
	Machine  string
	Command  string    // the command ID
	Issuer   string    // "edge" or "hub"
	At       time.Time // when the machine received it
	Obeyed   bool      // false: a copy of a command already obeyed, or the machine was stopped already
	Received int       // copies of this command received so far, this one included
}

// Plant is one plant's machines, connected to its edge's MQTT listener.
type Plant struct {
	ID       string
	floor    plant.Floor
	machines []*machine

	mu     sync.Mutex
	sentAt map[string]time.Time // reading ID -> when the broker acknowledged it
	stops  []Stop
	copies map[string]int // machine/command -> copies received
}

type machine struct {
	sim    *plant.MachineSim
	client mqtt.Client
}

// Connect connects every machine of p to the MQTT broker (tcp://host:port)
// with persistent sessions, so that an edge restart loses no reading and no
// command: the broker keeps the sessions and the clients resend what was
// not acknowledged.
func Connect(ctx context.Context, broker string, f plant.Floor, p plant.Plant, b plant.Behaviour) (*Plant, error) {
	pl := &Plant{ID: p.ID, floor: f, sentAt: map[string]time.Time{}, copies: map[string]int{}}
	for _, m := range f.Machines(p.ID) {
		mc := &machine{sim: plant.NewMachine(f, m, b)}
		opts := mqtt.NewClientOptions().
			AddBroker(broker).
			SetClientID(m.ID).
			SetCleanSession(false).
			SetAutoReconnect(true).
			SetConnectRetry(true).
			SetConnectRetryInterval(50 * time.Millisecond).
			SetMaxReconnectInterval(200 * time.Millisecond).
			SetKeepAlive(5 * time.Second).
			SetWriteTimeout(5 * time.Second).
			SetOrderMatters(false)
		mc.client = mqtt.NewClient(opts)
		if err := wait(ctx, mc.client.Connect()); err != nil {
			pl.Close()
			return nil, fmt.Errorf("connect %s to %s: %w", m.ID, broker, err)
		}
		pl.machines = append(pl.machines, mc)
		id := m.ID
		if err := wait(ctx, mc.client.Subscribe(fmt.Sprintf(commandsTopic, id), 1, func(c mqtt.Client, msg mqtt.Message) {
			pl.command(c, mc, msg.Payload())
		})); err != nil {
			pl.Close()
			return nil, fmt.Errorf("subscribe %s to its commands: %w", id, err)
		}
	}
	return pl, nil
}

// command obeys one stop command and acknowledges it, every copy, on the
// ack topic edge-iot's Dispatcher waits on.
func (p *Plant) command(c mqtt.Client, mc *machine, payload []byte) {
	at := time.Now()
	var cmd edgeiot.DeviceCommand
	if err := json.Unmarshal(payload, &cmd); err != nil || cmd.Action != ActionStop || cmd.ID == "" {
		return // not a command this machine knows: ignored, and not acknowledged
	}
	obeyed := mc.sim.Stop(cmd.ID)
	p.mu.Lock()
	key := mc.sim.ID() + "\x00" + cmd.ID
	p.copies[key]++
	p.stops = append(p.stops, Stop{Machine: mc.sim.ID(), Command: cmd.ID, Issuer: cmd.Issuer, At: at, Obeyed: obeyed, Received: p.copies[key]})
	p.mu.Unlock()
	ack, _ := json.Marshal(edgeiot.CommandAck{ID: cmd.ID, Device: mc.sim.ID()})
	c.Publish(fmt.Sprintf(acksTopic, mc.sim.ID()), 1, false, ack) // fire and forget: the dispatcher resends until it sees one
}

// Interval makes every machine report its next interval and returns once
// the broker has acknowledged every reading (PUBACK), in machine order.
func (p *Plant) Interval(ctx context.Context) ([]plant.Reading, error) {
	out := make([]plant.Reading, len(p.machines))
	g, gctx := errgroup.WithContext(ctx)
	for i, mc := range p.machines {
		r := mc.sim.Next()
		out[i] = r
		g.Go(func() error {
			if err := wait(gctx, mc.client.Publish(ReadingsTopic(r.Machine), 1, false, r.Encode())); err != nil {
				return fmt.Errorf("publish %s: %w", r.ID(), err)
			}
			p.mu.Lock()
			p.sentAt[r.ID()] = time.Now()
			p.mu.Unlock()
			return nil
		})
	}
	return out, g.Wait()
}

// Flood makes machine publish n malformed payloads (plant.Garbage), as a
// machine with a firmware bug does, and returns their flaws.
func (p *Plant) Flood(ctx context.Context, machine string, from, n int) ([]string, error) {
	for _, mc := range p.machines {
		if mc.sim.ID() != machine {
			continue
		}
		flaws := make([]string, 0, n)
		for i := from; i < from+n; i++ {
			payload, flaw := plant.Garbage(machine, i, p.floor.IntervalStart(mc.sim.Seq()))
			if err := wait(ctx, mc.client.Publish(ReadingsTopic(machine), 1, false, payload)); err != nil {
				return flaws, fmt.Errorf("flood %s: %w", machine, err)
			}
			flaws = append(flaws, flaw)
		}
		return flaws, nil
	}
	return nil, fmt.Errorf("floor: no machine %s in %s", machine, p.ID)
}

// SentAt is when the broker acknowledged the reading with this ID.
func (p *Plant) SentAt(readingID string) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.sentAt[readingID]
	return t, ok
}

// Published counts the readings the broker acknowledged.
func (p *Plant) Published() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.sentAt)
}

// Stops lists every stop command copy the machines received, in order.
func (p *Plant) Stops() []Stop {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Stop(nil), p.stops...)
}

// Close disconnects every machine.
func (p *Plant) Close() {
	for _, mc := range p.machines {
		mc.client.Disconnect(50)
	}
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
