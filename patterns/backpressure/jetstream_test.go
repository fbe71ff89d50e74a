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
//
// Fault: bad-input | target: the JetStream worker: a payload without an ID and one with an ID nobody produced | invariant: each is dead-lettered with the reason, subject and headers, acked once and never redelivered; the worker goes on
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

// Issue 11: NewJetStreamQueue deleted any stream of its name before creating
// its own, so a demo pointed at a shared NATS_URL wiped whatever was there.
// It now refuses the name, and the stream is left exactly as it was.
func TestNewJetStreamQueueLeavesAnExistingStreamAlone(t *testing.T) {
	js := testJetStream(t)
	_, err := js.CreateStream(t.Context(), jetstream.StreamConfig{Name: "THEIRS", Subjects: []string{"theirs.>"}})
	require.NoError(t, err)
	_, err = js.Publish(t.Context(), "theirs.data", []byte("someone else's"))
	require.NoError(t, err)

	_, err = NewJetStreamQueue(t.Context(), js, JetStreamConfig{
		Stream: "THEIRS", Subject: "mine.work", Durable: "worker", Capacity: 8, Window: 8, AckWait: time.Second,
		DeadLetters: testDeadLetters(t, js, "MINE_DLQ", "mine.dlq"),
	})
	require.ErrorIs(t, err, ErrStreamExists)

	s, err := js.Stream(t.Context(), "THEIRS")
	require.NoError(t, err, "the stream is still there")
	info, err := s.Info(t.Context())
	require.NoError(t, err)
	assert.Equal(t, uint64(1), info.State.Msgs, "with its message")
	assert.Equal(t, []string{"theirs.>"}, info.Config.Subjects, "and its subjects")
}

// The crash the inbox exists for: the consumer processed message 300, the
// effect and the inbox record are made, and it dies before the ack. The
// server redelivers 300 after AckWait; the inbox skips it. Without the
// inbox, 300 is processed twice (the demo's -inbox=false).
//
// On a loaded machine the consumer may also sit on a delivered message for
// longer than AckWait, and the server then redelivers it too: at-least-once
// delivery, whatever the fault. So the test counts, as they happen, the
// deliveries of messages already applied (one consumer handles one message
// at a time, and the next starts only when the crashed one has stopped):
// 300 must be one of them, and the inbox must skip exactly these, or,
// without it, exactly these messages are processed twice.
//
// Fault: crash | target: the consumer, after processing message 300 and before its ack | invariant: the redelivered message is skipped by the inbox: processed exactly once
func TestJetStreamCrashAfterProcessingBeforeTheAck(t *testing.T) {
	const at = 300
	for _, tt := range []struct {
		name  string
		inbox bool
	}{{"with the inbox", true}, {"without it", false}} {
		t.Run(tt.name, func(t *testing.T) {
			q := testQueue(t, 32, 8, 300*time.Millisecond)
			w := Workload{Messages: 600, ServiceRate: 20_000, Overload: 10, PayloadSize: 128, Seed: 7}
			if tt.inbox {
				w.Inbox = NewInbox(w.Messages)
			}
			var (
				mu      sync.Mutex
				applied = map[uint64]bool{}
				again   = map[uint64]int{} // deliveries of an applied message
			)
			crash := CrashAfter(at, nil)
			w.Fault = func(h Handler) Handler {
				inner := crash(func(ctx context.Context, m Message) error {
					err := h(ctx, m)
					if err == nil {
						mu.Lock()
						applied[m.ID] = true
						mu.Unlock()
					}
					return err
				})
				return func(ctx context.Context, m Message) error {
					mu.Lock()
					if applied[m.ID] {
						again[m.ID]++
					}
					mu.Unlock()
					return inner(ctx, m)
				}
			}
			r, err := Run(t.Context(), q, w)
			require.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			assert.Positive(t, again[at], "message %d came back after it was applied", at)
			assert.Equal(t, int64(1), q.Stats().Restarts)
			a := r.Audit
			assert.Zero(t, a.LostCount)
			if tt.inbox {
				assert.Empty(t, a.Violations(), "exactly once")
				deliveries := 0
				for _, k := range again {
					deliveries += k
				}
				assert.Equal(t, deliveries, w.Inbox.Skipped(), "the inbox skipped every delivery of an applied message, %d's included", at)
				return
			}
			assert.Equal(t, len(again), a.DuplicatedCount, "processed twice: exactly the messages delivered again once applied")
			if a.DuplicatedCount <= MaxListed { // else the audit lists only the first MaxListed
				assert.Contains(t, a.Duplicated, uint64(at), "once before the crash, once redelivered")
			}
			for _, id := range a.Duplicated {
				assert.Positive(t, again[id], "message %d processed twice without a redelivery", id)
			}
		})
	}
}

// The catch-up burst: the stream holds the whole backlog (about 16 MiB)
// when the consumer starts, and its first message is slow until the server
// has delivered all it will. With the credit window the consumer adds W
// messages to the heap; without it, it pulls the backlog into memory.
//
// Fault: overload | target: the consumer, starting on a backlog of about 16 MiB in the stream | invariant: with the credit window its heap grows by at most W messages
func TestCatchUpCreditWindowBoundsTheConsumersHeap(t *testing.T) {
	const (
		messages = 1000
		payload  = 16 << 10
		window   = 8
	)
	bound := MemoryBound(window, payload)
	for _, tt := range []struct {
		name    string
		without bool
	}{{"credit window", false}, {"no credit window", true}} {
		t.Run(tt.name, func(t *testing.T) {
			js := testJetStream(t)
			q := testQueueWith(t, js, JetStreamConfig{Capacity: messages, Window: window, AckWait: 5 * time.Second, WithoutCreditWindow: tt.without})
			w := Workload{Messages: messages, ServiceRate: 50_000, Overload: 10, PayloadSize: payload, Seed: 8, HeapBound: bound}
			w.Fault = StallUntil(q.Delivered, nil)
			var backlog int
			r, err := RunCatchUp(t.Context(), q, w, func(b int) { backlog = b })
			require.NoError(t, err)
			assert.Equal(t, messages, backlog, "the consumer was down while everything arrived")
			assert.Empty(t, r.Audit.Violations())
			st := q.Stats()
			if tt.without {
				assert.Greater(t, r.HeapGrowth(), bound, "the backlog pulled into memory: +%s", MiB(r.HeapGrowth()))
				assert.Greater(t, st.PeakAckPending, int64(window))
				return
			}
			assert.LessOrEqual(t, r.HeapGrowth(), bound, "W messages in memory, not the backlog: +%s", MiB(r.HeapGrowth()))
			assert.LessOrEqual(t, st.PeakAckPending, int64(window), "the server held the consumer to W")
		})
	}
}

func TestCreditWindowRefusesAConsumerItDidNotCreate(t *testing.T) {
	js := testJetStream(t)
	s, err := js.CreateStream(t.Context(), jetstream.StreamConfig{Name: "HUB", Subjects: []string{"hub.>"}})
	require.NoError(t, err)
	cw := CreditWindow{Durable: "hub", Messages: 4, AckWait: time.Second}
	_, err = s.CreateConsumer(t.Context(), cw.ConsumerConfig()) // someone else's, with the same config
	require.NoError(t, err)
	_, err = cw.Create(t.Context(), s)
	assert.ErrorIs(t, err, ErrConsumerExists)
	_, err = CreditWindow{Durable: "x", Messages: 0, AckWait: time.Second}.Create(t.Context(), s)
	assert.ErrorContains(t, err, "at least 1 message")
}
