package backpressure

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	assert.Equal(t, int64(5), st.Applied)
	assert.LessOrEqual(t, st.PeakAckPending, int64(4))
	require.NoError(t, q.Delete(t.Context()))
}

func TestNewJetStreamQueueRejectsNoCapacity(t *testing.T) {
	_, err := NewJetStreamQueue(t.Context(), nil, JetStreamConfig{Stream: "X", Capacity: 0, Window: 1})
	assert.ErrorContains(t, err, "capacity 0 and window 1 must be at least 1")
}

// A payload without an ID is bad input: the worker terminates it with the
// reason (it is never redelivered), tells its observer, and goes on.
func TestWorkerTerminatesMalformedMessagesAndGoesOn(t *testing.T) {
	js := testJetStream(t)
	q := testQueueOn(t, js, 8, 8, 5*time.Second)
	_, err := js.Publish(t.Context(), q.Config().Subject, []byte("bad"))
	require.NoError(t, err)
	require.NoError(t, q.Offer(t.Context(), testMessage(1)))

	var (
		mu     sync.Mutex
		events []WorkerEvent
		c      collector
	)
	ctx, cancel := context.WithCancel(t.Context())
	w := &Worker{Consumer: q.cons, Window: 8, Handle: c.handle, Observe: func(e WorkerEvent) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	}}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	require.Eventually(t, func() bool { return c.len() == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	require.NoError(t, <-done)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, events, 2)
	assert.Equal(t, Malformed, events[0].Kind)
	assert.ErrorIs(t, events[0].Err, ErrMalformed)
	assert.Equal(t, Applied, events[1].Kind)
	assert.Equal(t, []uint64{1}, c.ids())
	assert.Eventually(t, func() bool {
		info, err := q.cons.Info(t.Context())
		return err == nil && info.NumAckPending == 0
	}, 5*time.Second, time.Millisecond, "the malformed message was terminated, not left pending")
}
