package backpressure

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
)

// With no consumer, a stream of B = 2 and a publish window of P = 3 take
// five offers: two stored, three in flight, refused by the full stream and
// retried. The sixth waits for a slot: the window pushes the producer back.
// Once a consumer runs, every one of the six is delivered once.
func TestPublishWindowBlocksTheProducerWhenFull(t *testing.T) {
	q := testAsyncQueue(t, 2, 3)
	assert.Equal(t, 5, q.Capacity(), "B + P")
	for id := range uint64(5) {
		require.NoError(t, q.Offer(t.Context(), testMessage(id)))
	}
	require.Eventually(t, func() bool { return q.Stats().Pushbacks > 0 }, 5*time.Second, time.Millisecond,
		"the full stream refuses the publishes in flight")

	waited := q.Stats().WindowFull // an earlier offer may have waited for 0 or 1 to be stored
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, q.Offer(ctx, testMessage(5)), context.DeadlineExceeded, "all P slots are taken: the producer waits")
	assert.Equal(t, waited+1, q.Stats().WindowFull)
	assert.Equal(t, int64(2), q.Stats().Accepted, "only B are stored")
	assert.Equal(t, 5, q.Depth())

	var c collector
	sv := serve(t, t.Context(), q, c.handle)
	require.NoError(t, q.Offer(t.Context(), testMessage(5)), "a slot comes back once the consumer makes room")
	q.Close()
	require.NoError(t, sv.wait(t))
	assert.ElementsMatch(t, []uint64{0, 1, 2, 3, 4, 5}, c.ids())
	assert.Equal(t, int64(6), q.Stats().Accepted)
}

// The server is restarted while the producer has a full window of
// asynchronous publishes in flight. Their acks never come (the connection
// drops); each is published again with the same Nats-Msg-Id once the
// server is back, so what had been stored before the crash is deduplicated
// and what had not is stored now. Every accepted message is processed
// exactly once. Without the retry (the window drops a failed publish),
// accepted messages are lost: the test can tell the difference.
//
// Fault: crash | target: the nats-server, restarted mid-burst under a window of asynchronous publishes | invariant: every accepted message is processed exactly once
func TestPublishWindowRetriesAcrossAServerRestart(t *testing.T) {
	for _, retry := range []bool{true, false} {
		name := "retried"
		if !retry {
			name = "dropped"
		}
		t.Run(name, func(t *testing.T) {
			srv := labtest.NATS(t)
			js := labtest.JetStream(t, srv.ClientURL())
			dlq := testDeadLetters(t, js, "RESTART_DLQ", "restart.dlq")
			q, err := NewJetStreamQueue(t.Context(), js, JetStreamConfig{
				Stream: "RESTART", Subject: "restart.work", Durable: "worker",
				Capacity: 256, Window: 64, AckWait: time.Second, PublishWindow: 64,
				Storage: jetstream.FileStorage, DedupWindow: time.Minute, DeadLetters: dlq,
			})
			require.NoError(t, err)
			t.Cleanup(func() { _ = q.Delete(context.Background()) })
			q.window.retry = retry

			const messages = 4000
			w := Workload{Messages: messages, PayloadSize: 256, Seed: 7, Inbox: NewInbox(messages)}
			wait := runAsync(t, q, w)
			require.Eventually(t, func() bool { return q.Stats().Accepted > messages/4 }, 30*time.Second, time.Millisecond)
			require.NoError(t, srv.Restart(), "restart the server mid-burst, on the same store")

			if !retry {
				// The dropped publishes never reach the stream: the run
				// drains what there is, and the ledger finds the loss.
				r, err := wait()
				require.NoError(t, err)
				assert.Positive(t, r.Audit.LostCount, "without the retry a failed publish is lost")
				return
			}
			r, err := wait()
			require.NoError(t, err)
			assert.Empty(t, r.Audit.Violations())
			assert.Equal(t, messages, r.Audit.Processed)
			st := q.Stats()
			assert.Positive(t, st.Republished, "the restart failed publishes in flight, and they were sent again")
			t.Logf("republished %d, pushbacks %d, accepted %d, redelivered %d, left in the stream %d",
				st.Republished, st.Pushbacks, st.Accepted, st.Redelivered, st.LeftInStream)
		})
	}
}
