package edgeiot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/deadletter"
)

// Dispatcher sends commands from the hub to devices. A command crosses the
// leafnode link as a plain NATS message to commands.<device>, which the
// edge's MQTT listener delivers to the device's subscription on
// commands/<device>; the device answers on devices/<device>/acks. While the
// link is down nothing gets through, so the dispatcher resends until the
// device acknowledges: at-least-once delivery, made safe by devices applying
// each command ID once.
//
// Any MQTT client of the edge may publish on an ack topic (devices log in
// as guests), so an ack may be garbage: the dispatcher dead-letters an ack
// it cannot decode, or one of another device, in HUB_DLQ with the reason
// before it reads on.
type Dispatcher struct {
	nc    *nats.Conn
	js    jetstream.JetStream
	jsErr error

	mu           sync.Mutex
	deadLettered int
}

// DispatcherOrigin is the first token after "uplink." of the subjects the
// dispatcher stores its dead letters on (uplink.hub-dispatcher.dlq.<device>,
// in HUB_DLQ), where the forwarders put their edge's JetStream domain.
const DispatcherOrigin = "hub-dispatcher"

// NewDispatcher sends commands through nc, a connection to the hub, and
// dead-letters garbage acks in the hub's HUB_DLQ through it.
func NewDispatcher(nc *nats.Conn) *Dispatcher {
	js, err := jetstream.New(nc)
	return &Dispatcher{nc: nc, js: js, jsErr: err}
}

// DeadLettered counts the acks the dispatcher dead-lettered.
func (d *Dispatcher) DeadLettered() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.deadLettered
}

// Send sends cmd to device, resending it every retry until the device
// acknowledges it or ctx ends, and returns how many times it was sent.
// onSend, when not nil, is called before each send with its number.
func (d *Dispatcher) Send(ctx context.Context, device string, cmd DeviceCommand, retry time.Duration, onSend func(n int)) (int, error) {
	if d.jsErr != nil {
		return 0, fmt.Errorf("dispatcher jetstream: %w", d.jsErr)
	}
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
		acked, err := d.awaitAck(ctx, acks, device, cmd.ID, retry)
		if err != nil {
			return n, fmt.Errorf("command %s to %s: %w", cmd.ID, device, err)
		}
		if acked {
			return n, nil
		}
	}
}

// awaitAck waits up to retry for the ack of id from device. It returns
// false when the wait timed out and an error when ctx ended or a garbage
// ack could not be dead-lettered. A valid ack of another command (a late
// copy, at-least-once) is no garbage and is passed over.
func (d *Dispatcher) awaitAck(ctx context.Context, acks <-chan *nats.Msg, device, id string, retry time.Duration) (bool, error) {
	t := time.NewTimer(retry)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-t.C:
			return false, nil
		case m := <-acks:
			a, err := DecodeAck(device, m.Data)
			if err != nil {
				if err := d.deadLetter(ctx, device, m, reasonOf(err)); err != nil {
					return false, err
				}
				continue
			}
			if a.ID == id {
				return true, nil
			}
		}
	}
}

// deadLetter stores a garbage ack in HUB_DLQ, as the gateway stores its
// dead letters at the edge: kit/deadletter's reason and original subject,
// the module's kind and device headers, and a message ID from the content,
// so an MQTT client resending the same bytes makes one letter.
func (d *Dispatcher) deadLetter(ctx context.Context, device string, m *nats.Msg, reason string) error {
	if !ValidDeviceID(device) {
		device = "unknown"
	}
	l := deadletter.FromMsg(m, reason)
	l.ID = string(OutcomeMalformedAck) + "/" + strings.TrimPrefix(MalformedKey(m.Subject, m.Data), "malformed/")
	l.Header = nats.Header{}
	for k, vs := range m.Header {
		l.Header[k] = append([]string(nil), vs...)
	}
	l.Header.Set(HeaderKind, string(OutcomeMalformedAck))
	l.Header.Set(HeaderDevice, device)
	msg, err := deadletter.NewMsg(hubSubject(DispatcherOrigin, dlqSubject(device)), l)
	if err != nil {
		return fmt.Errorf("dead-letter an ack of %s: %w", device, err)
	}
	if _, err := d.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("dead-letter an ack of %s (%s): %w", device, reason, err)
	}
	d.mu.Lock()
	d.deadLettered++
	d.mu.Unlock()
	return nil
}
