package edgeiot

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// lettersOn waits until the hub's dead-letter stream holds at least n
// letters whose original subject is subject, and returns them. On a
// consumer that drops garbage silently it times out.
func lettersOn(t *testing.T, ctx context.Context, topo *Topology, subject string, n int, within time.Duration) []DeadLetter {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	var got []DeadLetter
	err := poll(ctx, func() (bool, error) {
		rec, err := ReadHub(ctx, topo.HubJS)
		if err != nil {
			return false, nil
		}
		got = got[:0]
		for _, dl := range rec.DeadLetters {
			if dl.Topic == subject {
				got = append(got, dl)
			}
		}
		return len(got) >= n, nil
	})
	require.NoError(t, err, "%d dead letters from %s in %s, got %d", n, subject, StreamHubDeadLetter, len(got))
	return got
}

// The hub's dispatcher hears acks from MQTT clients of the edge, guests
// included. An ack that is not JSON, has no ID, or names another device
// than its topic is garbage: it goes to the dead-letter stream with the
// reason, and the command is still acknowledged by the real ack.
//
// Fault: bad-input | target: the hub's command dispatcher: acks that are not JSON, have no ID or name another device | invariant: each goes to the dead-letter stream with the reason; the command is still acknowledged by the real ack
func TestDispatcherDeadLettersMalformedAcks(t *testing.T) {
	ctx := testContext(t)
	o := defaultPlant()
	o.devices, o.malformed = 1, 0
	p := startPlant(t, ctx, o)
	device := p.fleet.Devices()[0].ID
	garbage := [][]byte{
		[]byte("{not json"),
		[]byte(`{"device":"` + device + `"}`),
		[]byte(`{"id":"cmd-dl","device":"cnc-77"}`),
	}
	d := NewDispatcher(p.topo.HubConn)
	_, err := d.Send(ctx, device, DeviceCommand{ID: "cmd-dl", Action: "identify", Issuer: "hub"}, 100*time.Millisecond, func(n int) {
		if n != 1 {
			return
		}
		for _, g := range garbage { // at the hub, where the dispatcher listens: no interest to propagate
			require.NoError(t, p.topo.HubConn.Publish(ackSubject(device), g))
		}
		require.NoError(t, p.topo.HubConn.Flush())
	})
	require.NoError(t, err)
	letters := lettersOn(t, ctx, p.topo, ackSubject(device), len(garbage), 20*time.Second)
	require.Len(t, letters, len(garbage))
	for i, dl := range letters {
		t.Logf("%s %s: %s", dl.Kind, dl.Topic, dl.Reason)
		assert.Equal(t, garbage[i], dl.Payload)
		assert.Equal(t, OutcomeMalformedAck, dl.Kind)
		assert.Equal(t, device, dl.Device)
		assert.NotEmpty(t, dl.Reason)
	}
	assert.Contains(t, letters[2].Reason, "cnc-77")
	assert.Equal(t, len(garbage), d.DeadLettered())
}

// A device hears whatever arrives on its command topic. A payload that is
// not a command goes to the dead-letter stream with the reason and its
// original subject (the device reports it to the edge, whose gateway
// dead-letters it like a malformed reading), not into the void.
//
// Fault: bad-input | target: a device's command topic, a payload that is not a command | invariant: it goes to the dead-letter stream with the reason and its original subject
func TestDeviceDeadLettersNonCommands(t *testing.T) {
	ctx := testContext(t)
	o := defaultPlant()
	o.devices, o.malformed = 1, 0
	p := startPlant(t, ctx, o)
	device := p.fleet.Devices()[0].ID
	// A guest may not publish on commands.> at the edge: nats-server
	// PUBACKs its QoS 1 publish and drops it, so the device never sees it
	// (were it delivered, it would come before the owner's and be the
	// first letter).
	guest, err := connectGuestDevice(ctx, p.topo.Edge.MQTTURL(), guestDevice)
	require.NoError(t, err)
	defer guest.Disconnect(100)
	require.NoError(t, wait(ctx, guest.Publish(fmt.Sprintf(topicCommands, device), 1, false, "from a guest")))
	// Only the module's own clients may, so this is a module client with a bug.
	nc, err := natsembed.Connect(p.topo.Edge.ClientURL(), "edge-script")
	require.NoError(t, err)
	defer nc.Close()
	garbage := [][]byte{[]byte("reboot now"), []byte(`{"action":"identify"}`)}
	for _, g := range garbage {
		require.NoError(t, nc.Publish(commandSubject(device), g))
	}
	require.NoError(t, nc.Flush())
	letters := lettersOn(t, ctx, p.topo, commandSubject(device), len(garbage), 20*time.Second)
	require.Len(t, letters, len(garbage))
	for i, dl := range letters {
		t.Logf("%s %s: %s", dl.Kind, dl.Topic, dl.Reason)
		assert.Equal(t, garbage[i], dl.Payload)
		assert.Equal(t, OutcomeNotCommand, dl.Kind)
		assert.Equal(t, device, dl.Device)
		assert.NotEmpty(t, dl.Reason)
	}
	assert.Equal(t, len(garbage), p.fleet.Devices()[0].Rejected())
}
