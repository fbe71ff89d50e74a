package backpressure

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With Consumers = 4, Serve runs four instances at once on the durable
// consumer: a handler that holds each message a moment sees more than one
// message in hand at a time (one instance handles one at a time), and every
// message is still processed once, within the credit window.
func TestJetStreamCompetingConsumersShareTheDurable(t *testing.T) {
	js := testJetStream(t)
	const messages = 200
	for _, consumers := range []int{1, 4} {
		q := testQueueWith(t, js, JetStreamConfig{Capacity: messages, Window: 8, AckWait: 5 * time.Second, Consumers: consumers})
		var inHand, most atomic.Int64
		w := Workload{Messages: messages, PayloadSize: 64, Seed: 1, Fault: func(h Handler) Handler {
			return func(ctx context.Context, m Message) error {
				storeMax(&most, inHand.Add(1))
				defer inHand.Add(-1)
				time.Sleep(time.Millisecond)
				return h(ctx, m)
			}
		}}
		r, err := RunCatchUp(t.Context(), q, w, nil)
		require.NoError(t, err)
		assert.Empty(t, r.Audit.Violations())
		assert.Equal(t, messages, r.Audit.Processed)
		if consumers == 1 {
			assert.EqualValues(t, 1, most.Load(), "one instance handles one message at a time")
		} else {
			assert.Greater(t, most.Load(), int64(1), "%d consumers never handled two messages at once", consumers)
		}
		assert.LessOrEqual(t, q.Stats().PeakAckPending, int64(8), "MaxAckPending bounds all consumers together")
	}
}

func TestNewJetStreamQueueRejectsNegativeConsumers(t *testing.T) {
	js := testJetStream(t)
	_, err := NewJetStreamQueue(t.Context(), js, JetStreamConfig{Stream: "NEG", Subject: "neg", Durable: "w",
		Capacity: 1, Window: 1, Consumers: -1, DeadLetters: testDeadLetters(t, js, "NEG_DLQ", "neg.dlq")})
	require.Error(t, err)
}
