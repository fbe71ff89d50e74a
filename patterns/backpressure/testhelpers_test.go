package backpressure

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/labtest"
)

// testJetStream starts a server for the test and returns a JetStream context.
func testJetStream(t testing.TB) jetstream.JetStream {
	t.Helper()
	srv := labtest.NATS(t)
	return labtest.JetStream(t, srv.ClientURL())
}

// testQueue creates a JetStreamQueue on a fresh server.
func testQueue(t testing.TB, capacity, window int, ackWait time.Duration) *JetStreamQueue {
	t.Helper()
	return testQueueOn(t, testJetStream(t), capacity, window, ackWait)
}

// testQueues numbers the queues of a test binary, so several can share a
// server (the benchmarks do).
var testQueues atomic.Int64

// testQueueOn creates a queue with a stream and dead-letter stream of its
// own on js, deleted when the test ends.
func testQueueOn(t testing.TB, js jetstream.JetStream, capacity, window int, ackWait time.Duration) *JetStreamQueue {
	t.Helper()
	return testQueueWith(t, js, JetStreamConfig{Capacity: capacity, Window: window, AckWait: ackWait})
}

// testAsyncQueue creates a queue on a fresh server whose producer publishes
// asynchronously, at most window publishes in flight.
func testAsyncQueue(t testing.TB, capacity, window int) *JetStreamQueue {
	t.Helper()
	return testQueueWith(t, testJetStream(t), JetStreamConfig{Capacity: capacity, Window: max(1, capacity), AckWait: 5 * time.Second, PublishWindow: window})
}

// testQueueWith fills in cfg's names, storage and dead letters and creates
// the queue.
func testQueueWith(t testing.TB, js jetstream.JetStream, cfg JetStreamConfig) *JetStreamQueue {
	t.Helper()
	i := testQueues.Add(1)
	cfg.Stream, cfg.Subject, cfg.Durable = fmt.Sprintf("TEST%d", i), fmt.Sprintf("test.%d.work", i), "worker"
	cfg.Storage, cfg.DedupWindow = jetstream.MemoryStorage, time.Second
	if cfg.DeadLetters == nil {
		cfg.DeadLetters = testDeadLetters(t, js, fmt.Sprintf("TEST%d_DLQ", i), fmt.Sprintf("test.%d.dlq", i))
	}
	q, err := NewJetStreamQueue(context.Background(), js, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = q.Delete(context.Background()) })
	return q
}

// testDeadLetters opens a dead-letter stream, deleted when the test ends.
func testDeadLetters(t testing.TB, js jetstream.JetStream, name, subject string) *deadletter.Queue {
	t.Helper()
	dlq, err := deadletter.Open(context.Background(), js, name, subject)
	require.NoError(t, err)
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
	return dlq
}

// collector is a Handler that remembers what it was given.
type collector struct {
	mu  sync.Mutex
	got []Message
}

func (c *collector) handle(_ context.Context, m Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, Message{ID: m.ID, Delivery: m.Delivery})
	return nil
}

func (c *collector) ids() []uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]uint64, len(c.got))
	for i, m := range c.got {
		ids[i] = m.ID
	}
	return ids
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}

func testMessage(id uint64) Message {
	return NewMessage(id, 64, rand.New(rand.NewPCG(1, id)))
}

// serving is a Serve call running in a goroutine owned by the test.
type serving struct {
	done chan struct{}
	err  error
}

// serve runs s.Serve in a goroutine; the test's cleanup waits for it.
func serve(t *testing.T, ctx context.Context, s Strategy, h Handler) *serving {
	t.Helper()
	sv := &serving{done: make(chan struct{})}
	go func() {
		defer close(sv.done)
		sv.err = s.Serve(ctx, h)
	}()
	t.Cleanup(func() { _ = sv.wait(t) })
	return sv
}

// wait returns Serve's result, failing the test if it takes too long.
func (sv *serving) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-sv.done:
		return sv.err
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return within 30s")
		return nil
	}
}
