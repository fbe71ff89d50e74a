package internet

import (
	"bytes"
	"testing"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
	"github.com/patternlab/patternlab/patterns/backpressure"
)

// The log writer decodes what the edge's queue hands it. Whatever the
// message, decodeBeacon refuses it or returns the beacon it encodes: the
// same message encodes back byte for byte, and every beacon encoded
// decodes back.
func FuzzDecodeBeacon(f *testing.F) {
	f.Add(uint64(7), int64(1_772_431_200_123), []byte(`{"id":"e1","user":"u1","kind":"view"}`), encodeBeacon(7, clickstream.Beacon{Recv: 1_772_431_200_123, Raw: []byte(`{"id":"e1"}`)}).Payload)
	f.Add(uint64(0), int64(-1), []byte{}, []byte{0, 0, 0, 0, 0, 0, 0, 1})
	f.Add(uint64(1), int64(0), []byte("x"), []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, id uint64, recv int64, raw, payload []byte) {
		b := clickstream.Beacon{Recv: recv, Raw: raw}
		m := encodeBeacon(id, b)
		if got, err := decodeBeacon(m); err != nil || got.Recv != b.Recv || !bytes.Equal(got.Raw, b.Raw) {
			t.Fatalf("beacon %+v of message %d decodes as %+v, %v", b, id, got, err)
		}
		got, err := decodeBeacon(backpressure.Message{ID: id, Payload: payload, Delivery: 1})
		if err != nil {
			return
		}
		if again := encodeBeacon(id, got); !bytes.Equal(again.Payload, payload) {
			t.Fatalf("message %d %x decodes as %+v, which encodes as %x", id, payload, got, again.Payload)
		}
	})
}
