package backpressure

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
)

// HeaderSize is the number of payload bytes that carry the message ID; a
// payload is never shorter.
const HeaderSize = 8

// Message is one unit of work from the producer to the consumer.
type Message struct {
	// ID is the producer's sequence number, 0..N-1: the ledger and the
	// idempotent inbox key on it.
	ID uint64
	// Payload starts with the ID (big-endian) and is filled to the workload's
	// payload size, so queued messages cost real memory.
	Payload []byte
	// Delivery is 1 on the first delivery and higher when a broker redelivered
	// the message (JetStream after AckWait).
	Delivery int
}

// Handler processes one message. Strategies call it from one goroutine, one
// message at a time.
type Handler func(ctx context.Context, m Message) error

// ErrMalformed is returned for a payload that does not carry its own ID.
var ErrMalformed = errors.New("malformed message")

// NewMessage builds message id with a payload of size bytes: the ID, then
// one word drawn from rng, repeated. The filler costs real memory, as a
// queued message must, and is cheap to make: a producer that spent its time
// drawing random bytes would be slower than its consumer under the race
// detector, and no backlog would build.
func NewMessage(id uint64, size int, rng *rand.Rand) Message {
	p := make([]byte, max(size, HeaderSize))
	binary.BigEndian.PutUint64(p, id)
	var word [8]byte
	binary.LittleEndian.PutUint64(word[:], rng.Uint64())
	filled := copy(p[HeaderSize:], word[:])
	for filled < len(p)-HeaderSize {
		filled += copy(p[HeaderSize+filled:], p[HeaderSize:HeaderSize+filled])
	}
	return Message{ID: id, Payload: p, Delivery: 1}
}

// DecodeID reads the message ID a payload carries.
func DecodeID(payload []byte) (uint64, error) {
	if len(payload) < HeaderSize {
		return 0, fmt.Errorf("%w: payload of %d bytes is shorter than its %d-byte ID", ErrMalformed, len(payload), HeaderSize)
	}
	return binary.BigEndian.Uint64(payload), nil
}

// Verify checks that m's payload carries m's ID: a consumer's minimal proof
// that it got the message it thinks it got.
func (m Message) Verify() error {
	id, err := DecodeID(m.Payload)
	if err != nil {
		return fmt.Errorf("message %d: %w", m.ID, err)
	}
	if id != m.ID {
		return fmt.Errorf("%w: message %d carries ID %d", ErrMalformed, m.ID, id)
	}
	return nil
}
