package backpressure

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMessageCarriesItsID(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{HeaderSize, 9, 100, 4096} {
		m := NewMessage(42, size, rng)
		assert.Len(t, m.Payload, size)
		assert.Equal(t, 1, m.Delivery)
		require.NoError(t, m.Verify())
		id, err := DecodeID(m.Payload)
		require.NoError(t, err)
		assert.Equal(t, uint64(42), id)
	}
}

func TestMessageIsDeterministicForASeed(t *testing.T) {
	a := NewMessage(7, 64, rand.New(rand.NewPCG(3, 4)))
	b := NewMessage(7, 64, rand.New(rand.NewPCG(3, 4)))
	assert.Equal(t, a.Payload, b.Payload)
}

func TestMalformedPayloads(t *testing.T) {
	_, err := DecodeID([]byte("short"))
	assert.ErrorIs(t, err, ErrMalformed)
	assert.ErrorContains(t, err, "payload of 5 bytes is shorter than its 8-byte ID")

	m := NewMessage(1, 16, rand.New(rand.NewPCG(1, 1)))
	m.ID = 2
	err = m.Verify()
	assert.ErrorIs(t, err, ErrMalformed)
	assert.ErrorContains(t, err, "message 2 carries ID 1")
}
