package edgeiot

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// Dispatcher sends commands from the hub to devices. A command crosses the
// leafnode link as a plain NATS message to commands.<device>, which the
// edge's MQTT listener delivers to the device's subscription on
// commands/<device>; the device answers on devices/<device>/acks. While the
// link is down nothing gets through, so the dispatcher resends until the
// device acknowledges: at-least-once delivery, made safe by devices applying
// each command ID once.
type Dispatcher struct {
	nc *nats.Conn
}

// NewDispatcher sends commands through nc, a connection to the hub.
func NewDispatcher(nc *nats.Conn) *Dispatcher { return &Dispatcher{nc: nc} }

// Send sends cmd to device, resending it every retry until the device
// acknowledges it or ctx ends, and returns how many times it was sent.
// onSend, when not nil, is called before each send with its number.
func (d *Dispatcher) Send(ctx context.Context, device string, cmd DeviceCommand, retry time.Duration, onSend func(n int)) (int, error) {
	acks := make(chan *nats.Msg, 64)
	sub, err := d.nc.ChanSubscribe(ackSubject(device), acks)
	if err != nil {
		return 0, fmt.Errorf("subscribe to %s acks: %w", device, err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := d.nc.FlushWithContext(ctx); err != nil {
		return 0, fmt.Errorf("flush subscription: %w", err)
	}
	body := mustJSON(cmd)
	for n := 1; ; n++ {
		if onSend != nil {
			onSend(n)
		}
		if err := d.nc.Publish(commandSubject(device), body); err != nil {
			return n, fmt.Errorf("send %s to %s: %w", cmd.ID, device, err)
		}
		acked, err := awaitAck(ctx, acks, cmd.ID, retry)
		if err != nil {
			return n, fmt.Errorf("command %s to %s: %w", cmd.ID, device, err)
		}
		if acked {
			return n, nil
		}
	}
}

// awaitAck waits up to retry for the ack of id. It returns false when the
// wait timed out and an error only when ctx ended.
func awaitAck(ctx context.Context, acks <-chan *nats.Msg, id string, retry time.Duration) (bool, error) {
	t := time.NewTimer(retry)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-t.C:
			return false, nil
		case m := <-acks:
			var a CommandAck
			if json.Unmarshal(m.Data, &a) == nil && a.ID == id {
				return true, nil
			}
		}
	}
}
