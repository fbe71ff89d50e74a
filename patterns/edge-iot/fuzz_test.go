package edgeiot

import (
	"context"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/deadletter"
)

// The audit decodes what the hub stored: whatever the bytes, an error or a
// reading of a valid device with a sequence, which survives a round trip.
func FuzzDecodeStored(f *testing.F) {
	f.Add([]byte(`{"device":"cnc-01","seq":1,"ts":1767225600100,"temp_mc":45250}`))
	f.Add([]byte(`{"device":"cnc-01","seq":0}`))
	f.Add([]byte(`{"device":"../x","seq":3}`))
	f.Add([]byte(`{"DEVICE":"cnc-01","Seq":2,"extra":true}`))
	f.Add([]byte(`[1]`))
	f.Add([]byte("\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := decodeStored(data)
		if err != nil {
			if r != (Reading{}) {
				t.Fatalf("an error and a reading %+v: %v", r, err)
			}
			return
		}
		if !ValidDeviceID(r.Device) || r.Seq == 0 {
			t.Fatalf("accepted %q as a reading without a valid device or sequence: %+v", data, r)
		}
		if again, err := decodeStored(r.Encode()); err != nil || again != r {
			t.Fatalf("round trip of %+v: %+v, %v", r, again, err)
		}
	})
}

// fakeMessage is an MQTT message as the client library hands it over.
type fakeMessage struct {
	topic   string
	payload []byte
}

func (m fakeMessage) Duplicate() bool   { return false }
func (m fakeMessage) Qos() byte         { return 1 }
func (m fakeMessage) Retained() bool    { return false }
func (m fakeMessage) Topic() string     { return m.topic }
func (m fakeMessage) MessageID() uint16 { return 1 }
func (m fakeMessage) Payload() []byte   { return m.payload }
func (m fakeMessage) Ack()              {}

var _ mqtt.Message = fakeMessage{}

// Anyone on the edge may publish on a device's command topic: whatever the
// payload, the device either queues one command with an ID and an action
// (and what it queues encodes back to an equal command) or queues one
// rejection of its own, with a reason and at most MaxPayloadBytes of the
// payload; never both, never neither, never a panic on the client's
// goroutine.
func FuzzDeviceReceive(f *testing.F) {
	f.Add([]byte(`{"id":"reflex/cnc-01/7","action":"cool-down","issuer":"edge"}`))
	f.Add([]byte(`{"id":"","action":"cool-down"}`))
	f.Add([]byte(`{"id":"x"}`))
	f.Add([]byte(`{"id":"x","action":"y","extra":1}`))
	f.Add([]byte(`{"id":"x","action":"y"} {}`))
	f.Add([]byte(strings.Repeat("a", MaxPayloadBytes+10)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, payload []byte) {
		d := &Device{ID: "cnc-01", inbox: make(chan DeviceCommand, 1), reports: make(chan Rejection, 1)}
		d.receive(nil, fakeMessage{topic: "commands/cnc-01", payload: payload})
		if len(d.inbox)+len(d.reports) != 1 || d.dropped != 0 {
			t.Fatalf("payload %q: %d commands, %d rejections, %d dropped", payload, len(d.inbox), len(d.reports), d.dropped)
		}
		if len(d.inbox) == 1 {
			cmd := <-d.inbox
			if cmd.ID == "" || cmd.Action == "" {
				t.Fatalf("queued a command without an id or action: %+v", cmd)
			}
			again, err := DecodeCommand(mustJSON(cmd))
			if err != nil || again != cmd {
				t.Fatalf("round trip of %+v: %+v, %v", cmd, again, err)
			}
			return
		}
		r := <-d.reports
		if r.Device != d.ID || r.Seq != 1 || r.Subject != commandSubject(d.ID) || r.Reason == "" ||
			len(r.Payload) > MaxPayloadBytes || string(r.Payload) != string(payload[:len(r.Payload)]) {
			t.Fatalf("rejection of %q: %+v", payload, r)
		}
		if _, err := DecodeCommand(payload); err == nil {
			t.Fatalf("rejected %q, which decodes as a command", payload)
		}
	})
}

// letterBox is the hub's JetStream as the dispatcher uses it: it keeps the
// dead letters published.
type letterBox struct {
	jetstream.JetStream
	letters []*nats.Msg
}

func (b *letterBox) PublishMsg(_ context.Context, m *nats.Msg, _ ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	b.letters = append(b.letters, m)
	return &jetstream.PubAck{Stream: "HUB_DLQ", Sequence: uint64(len(b.letters))}, nil
}

// Any MQTT client of the edge may publish on a device's ack topic. The
// dispatcher waiting for the ack of a command is handed one fuzzed message,
// then the device's real ack: it must return acknowledged, having
// dead-lettered the fuzzed message (with its subject, payload, a reason and
// the device) exactly when it is no valid ack of that device, and passed over
// a valid ack of another command.
func FuzzAwaitAck(f *testing.F) {
	const device, id = "cnc-01", "hub/cnc-01/1"
	f.Add([]byte(`{"id":"hub/cnc-01/1","device":"cnc-01"}`))
	f.Add([]byte(`{"id":"hub/cnc-01/0","device":"cnc-01"}`))
	f.Add([]byte(`{"id":"hub/cnc-01/1","device":"cnc-02"}`))
	f.Add([]byte(`{"id":""}`))
	f.Add([]byte(`not json`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, payload []byte) {
		box := &letterBox{}
		d := &Dispatcher{js: box}
		acks := make(chan *nats.Msg, 2)
		acks <- &nats.Msg{Subject: ackSubject(device), Data: payload}
		acks <- &nats.Msg{Subject: ackSubject(device), Data: mustJSON(CommandAck{ID: id, Device: device})}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		acked, err := d.awaitAck(ctx, acks, device, id, time.Minute)
		if err != nil || !acked {
			t.Fatalf("payload %q: acked %v, %v", payload, acked, err)
		}
		_, bad := DecodeAck(device, payload)
		if want := map[bool]int{true: 1, false: 0}[bad != nil]; len(box.letters) != want || d.DeadLettered() != want {
			t.Fatalf("payload %q (decode error %v): %d letters published, %d counted, want %d", payload, bad, len(box.letters), d.DeadLettered(), want)
		}
		if bad == nil {
			return
		}
		l := box.letters[0]
		if l.Header.Get(deadletter.HeaderReason) == "" || l.Header.Get(deadletter.HeaderSubject) != ackSubject(device) ||
			l.Header.Get(HeaderDevice) != device || l.Header.Get(HeaderKind) != string(OutcomeMalformedAck) ||
			string(l.Data) != string(payload) || l.Header.Get(jetstream.MsgIDHeader) == "" {
			t.Fatalf("dead letter of %q: subject %s, header %v, data %q", payload, l.Subject, l.Header, l.Data)
		}
	})
}
