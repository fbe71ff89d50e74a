package backpressure

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/deadletter"
)

func TestIsStreamFull(t *testing.T) {
	js := testJetStream(t)
	_, err := js.CreateStream(t.Context(), jetstream.StreamConfig{
		Name: "FULL", Subjects: []string{"full"}, MaxMsgs: 1, Discard: jetstream.DiscardNew, Storage: jetstream.MemoryStorage,
	})
	require.NoError(t, err)
	_, err = js.Publish(t.Context(), "full", []byte("one"))
	require.NoError(t, err)
	_, err = js.Publish(t.Context(), "full", []byte("two"))
	require.Error(t, err)
	assert.True(t, IsStreamFull(err), "%v", err)
	assert.False(t, IsStreamFull(errors.New("maximum messages exceeded")), "only the server's API error counts")
	assert.False(t, IsStreamFull(nil))
}

func TestJetStreamOfferWaitsForRoomThenPublishes(t *testing.T) {
	q := testQueue(t, 4, 4, 5*time.Second)
	for id := range uint64(4) {
		require.NoError(t, q.Offer(t.Context(), testMessage(id)))
	}
	offered := make(chan error, 1)
	go func() { offered <- q.Offer(t.Context(), testMessage(4)) }()
	require.Eventually(t, func() bool { return q.Stats().Pushbacks >= 2 }, 5*time.Second, time.Millisecond,
		"the full stream refuses the publish and the producer retries")
	select {
	case err := <-offered:
		t.Fatalf("Offer returned %v while the stream was full", err)
	default:
	}

	var c collector
	sv := serve(t, t.Context(), q, c.handle)
	require.NoError(t, <-offered, "the consumer made room")
	q.Close()
	require.NoError(t, sv.wait(t))
	assert.Equal(t, []uint64{0, 1, 2, 3, 4}, c.ids())
	st := q.Stats()
	assert.Equal(t, int64(5), st.Accepted)
	assert.Equal(t, int64(5), st.Handled)
	assert.LessOrEqual(t, st.PeakAckPending, int64(4))
	require.NoError(t, q.Delete(t.Context()))
}

func TestNewJetStreamQueueRejectsNoCapacity(t *testing.T) {
	_, err := NewJetStreamQueue(t.Context(), nil, JetStreamConfig{Stream: "X", Capacity: 0, Window: 1})
	assert.ErrorContains(t, err, "capacity 0 and window 1 must be at least 1")
}

// Bad input: a payload without an ID, and one whose ID the producer never
// made (the handler says ErrMalformed). The worker stores each in the
// dead-letter stream with the reason, the original subject and headers, acks
// it (it is never redelivered), tells its observer, and goes on.
func TestWorkerDeadLettersMalformedMessagesAndGoesOn(t *testing.T) {
	js := testJetStream(t)
	q := testQueueOn(t, js, 8, 8, 5*time.Second)
	subject := q.Config().Subject
	_, err := js.Publish(t.Context(), subject, []byte("bad"))
	require.NoError(t, err)
	foreign := nats.NewMsg(subject)
	foreign.Header.Set("Origin", "someone else")
	foreign.Data = testMessage(1_000_000).Payload
	_, err = js.PublishMsg(t.Context(), foreign)
	require.NoError(t, err)
	require.NoError(t, q.Offer(t.Context(), testMessage(1)))

	ledger := NewLedger(10)
	var (
		mu     sync.Mutex
		events []WorkerEvent
		c      collector
	)
	ctx, cancel := context.WithCancel(t.Context())
	w := &Worker{Consumer: q.cons, Window: 8, DeadLetters: q.cfg.DeadLetters,
		Handle: func(ctx context.Context, m Message) error {
			if err := ledger.Processed(m.ID); err != nil {
				return err
			}
			return c.handle(ctx, m)
		},
		Observe: func(e WorkerEvent) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, e)
		}}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	require.Eventually(t, func() bool { return c.len() == 1 }, 5*time.Second, time.Millisecond)
	require.Eventually(t, func() bool {
		info, err := q.cons.Info(t.Context())
		return err == nil && info.NumAckPending == 0 && info.NumPending == 0
	}, 5*time.Second, time.Millisecond, "the dead letters were acked, not left pending")
	cancel()
	require.NoError(t, <-done)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, events, 3)
	assert.Equal(t, DeadLettered, events[0].Kind)
	assert.ErrorIs(t, events[0].Err, ErrMalformed)
	assert.Equal(t, DeadLettered, events[1].Kind)
	assert.ErrorContains(t, events[1].Err, "message 1000000 was never produced")
	assert.Equal(t, Handled, events[2].Kind)
	assert.Equal(t, []uint64{1}, c.ids())

	letters, err := deadletter.Read(t.Context(), js, q.cfg.DeadLetters.Stream())
	require.NoError(t, err)
	require.Len(t, letters, 2, "both read back from the server")
	assert.Equal(t, "bad", string(letters[0].Data))
	assert.Contains(t, letters[0].Reason, "payload of 3 bytes is shorter than its 8-byte ID")
	assert.Equal(t, subject, letters[0].Subject)
	assert.Contains(t, letters[1].Reason, "never produced")
	assert.Equal(t, "someone else", letters[1].Header.Get("Origin"), "the original headers travel with the letter")
}

func TestWorkerRefusesToRunWithoutDeadLetters(t *testing.T) {
	err := (&Worker{Window: 1}).Run(t.Context())
	assert.ErrorIs(t, err, ErrNoDeadLetters)
}
