package edgeiot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats.go"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// guestDevice is the MQTT client of act 1 that is none of the machines.
const guestDevice = "guest-01"

// storeCrash is the demo's fault on the gateway's AfterStore seam: once
// armed, the first reading of device from seq fromSeq on that the gateway
// stores is reported on the channel arm returned, and the gateway is held
// there, before its ack, until release; its ack then counts as lost.
type storeCrash struct {
	mu      sync.Mutex
	device  string
	fromSeq uint64
	hit     chan string
	held    chan struct{}
}

// arm sets the crash point and returns where the stored reading's ID is
// reported.
func (c *storeCrash) arm(device string, fromSeq uint64) <-chan string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.device, c.fromSeq = device, fromSeq
	c.hit, c.held = make(chan string, 1), make(chan struct{})
	return c.hit
}

// disarm removes the crash point and returns the reading it fired on, if
// it did (the seam reports under the same lock, so no hit is missed).
func (c *storeCrash) disarm() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.device = ""
	select {
	case id := <-c.hit:
		return id
	default:
		return ""
	}
}

// release lets the held gateway go on; its ack is lost.
func (c *storeCrash) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held != nil {
		close(c.held)
		c.held = nil
	}
}

func (c *storeCrash) afterStore(ctx context.Context, r Reading) error {
	c.mu.Lock()
	fire := c.device != "" && r.Device == c.device && r.Seq >= c.fromSeq
	held := c.held
	if fire {
		c.device = "" // once
		c.hit <- r.ID()
	}
	c.mu.Unlock()
	if !fire {
		return nil
	}
	select {
	case <-held:
	case <-ctx.Done():
	}
	return ErrAckLost
}

// guestRefusalWait bounds how long the demo waits for the server's answer
// to the guest's publish: one round trip to an in-process server.
const guestRefusalWait = 10 * time.Second

// refuseGuest shows the edge's permissions: a client that is not the
// module's (the guest user) publishes a forged reading into the buffer's
// subject and is refused. It is a check of the verdict.
func refuseGuest(ctx context.Context, n *narrate.Narrator, topo *Topology) error {
	refused := make(chan error, 1)
	nc, err := natsembed.Connect(topo.Edge.GuestURL(), "guest", nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		if errors.Is(err, nats.ErrPermissionViolation) || strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			select {
			case refused <- err:
			default:
			}
		}
	}))
	if err != nil {
		return err
	}
	defer nc.Close()
	subject := telemetrySubject("cnc-01")
	forged := Reading{Device: "cnc-01", Seq: 999_999, TS: 1_767_225_600_000, TempMC: 20_000}
	if err := nc.Publish(subject, forged.Encode()); err != nil {
		return fmt.Errorf("guest publish: %w", err)
	}
	var why error
	select {
	case why = <-refused:
	case <-time.After(guestRefusalWait):
	case <-ctx.Done():
		return ctx.Err()
	}
	held, err := topo.Held(ctx, StreamTelemetry)
	if err != nil {
		return err
	}
	detail := "not refused"
	if why != nil {
		detail = "refused: " + why.Error()
	}
	n.Check("protected", why != nil && held == 0,
		"a client without the module's credentials published a forged reading on %s at the edge: %s; TELEMETRY holds %d", subject, detail, held)
	return nil
}

// connectGuestDevice connects an MQTT client that is none of the machines
// (the edge lets MQTT clients in as the guest user).
func connectGuestDevice(ctx context.Context, broker, id string) (mqtt.Client, error) {
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID(id).SetCleanSession(true).SetAutoReconnect(false))
	if err := wait(ctx, c.Connect()); err != nil {
		return nil, fmt.Errorf("connect %s: %w", id, err)
	}
	return c, nil
}
