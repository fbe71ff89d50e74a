package backpressure

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runAsync runs Run in a goroutine owned by the test.
func runAsync(t *testing.T, s Strategy, w Workload) func() (Result, error) {
	t.Helper()
	type outcome struct {
		r   Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		r, err := Run(t.Context(), s, w)
		done <- outcome{r, err}
	}()
	var once sync.Once
	var out outcome
	wait := func() (Result, error) {
		once.Do(func() {
			select {
			case out = <-done:
			case <-time.After(60 * time.Second):
				out.err = errors.New("Run did not return within 60s")
			}
		})
		return out.r, out.err
	}
	t.Cleanup(func() { _, _ = wait() })
	return wait
}

// The consumer stops dead on one message while the producer keeps going at
// 10x. Each strategy must take the stall its own way (block, shed, or grow),
// and when the consumer recovers every accepted message is processed exactly
// once or counted as shed.
//
// Fault: pause | target: the consumer of every strategy, stalled on one message while the producer keeps going at 10x | invariant: each strategy blocks, sheds or grows; every accepted message is processed exactly once or counted as shed
func TestConsumerStallsThenRecovers(t *testing.T) {
	const capacity = 32
	for _, k := range strategyKinds() {
		t.Run(k.name, func(t *testing.T) {
			w := Workload{Messages: 3000, ServiceRate: 5000, Overload: 10, PayloadSize: 256, Seed: 3}
			s := k.new(t, capacity)
			if k.name == NameShedding {
				s = NewShedder(capacity, w.ServiceRate, capacity/4)
				w.Messages = 20_000 // it sheds most: keep the producer busy through the stall
			}
			release := make(chan struct{})
			stalled := make(chan struct{})
			w.Fault = StallOn(100, 0, release, func(Message) { close(stalled) })
			wait := runAsync(t, s, w)

			select {
			case <-stalled:
			case <-time.After(30 * time.Second):
				t.Fatal("the consumer never reached its 100th message")
			}
			switch {
			case k.unordered:
				// The publish window: the stream fills to its B and the
				// producer waits for a slot. Acks are confirmed in order, so
				// a message stored behind a refused one keeps its slot until
				// that one is stored: the backlog stays within B + P without
				// always reaching it.
				q := s.(*JetStreamQueue)
				require.Eventually(t, func() bool {
					st := q.Stats()
					return st.PeakStored == int64(q.Config().Capacity) && st.WindowFull > 0
				}, 10*time.Second, time.Millisecond, "the stream fills to B and the window holds the producer")
			case k.onFull == blocks:
				require.Eventually(t, func() bool { return s.Depth() == capacity }, 10*time.Second, time.Millisecond,
					"the queue fills to B while the consumer is stalled")
			case k.onFull == sheds:
				require.Eventually(t, func() bool { return s.(*Shedder).Shed(ShedQueueFull) > 0 }, 10*time.Second, time.Millisecond,
					"the queue fills to B, then admitted messages are shed")
			case k.onFull == accepts:
				require.Eventually(t, func() bool { return s.Depth() > capacity }, 10*time.Second, time.Millisecond,
					"the unbounded queue grows past any B")
			}
			close(release)

			r, err := wait()
			require.NoError(t, err)
			a := r.Audit
			assert.Empty(t, a.Violations(), "every accepted message processed exactly once or counted as shed")
			assert.Equal(t, w.Messages, a.Accepted+a.Shed)
			// the ledger's backlog: B queued, and for the in-process queues
			// one more, the message the stalled consumer holds
			switch {
			case k.unordered:
				assert.LessOrEqual(t, r.OwnPeak, capacity, "B + P and no more")
				assert.LessOrEqual(t, r.Peaks.Backlog, capacity+1)
				assert.Zero(t, a.Shed)
			case k.onFull == blocks:
				assert.Equal(t, capacity, r.OwnPeak, "the queue held B and no more")
				assert.GreaterOrEqual(t, r.Peaks.Backlog, capacity)
				assert.LessOrEqual(t, r.Peaks.Backlog, capacity+1)
				assert.Zero(t, a.Shed)
			case k.onFull == sheds:
				assert.Equal(t, capacity, r.OwnPeak)
				assert.Equal(t, capacity+1, r.Peaks.Backlog)
				assert.Positive(t, a.ShedBy[ShedQueueFull], "with the queue full, admitted messages are shed and counted")
			case k.onFull == accepts:
				assert.Greater(t, r.Peaks.Backlog, capacity)
			}
		})
	}
}

// A stall longer than AckWait: the server may redeliver what the stalled
// consumer holds. The inbox keeps processing exactly once.
//
// Fault: pause | target: the JetStream consumer, stalled for longer than AckWait | invariant: what the server redelivers is skipped by the inbox: every message processed exactly once
func TestJetStreamStallLongerThanAckWaitStillProcessesExactlyOnce(t *testing.T) {
	const ackWait = 200 * time.Millisecond
	q := testQueue(t, 32, 16, ackWait)
	w := Workload{Messages: 1000, ServiceRate: 10_000, Overload: 10, PayloadSize: 128, Seed: 4, Inbox: NewInbox(1000)}
	w.Fault = StallOn(50, 3*ackWait, nil, nil)
	r, err := Run(t.Context(), q, w)
	require.NoError(t, err)
	assert.Empty(t, r.Audit.Violations())
	assert.Equal(t, w.Messages, r.Audit.Processed)
	st := q.Stats()
	assert.LessOrEqual(t, st.PeakAckPending, int64(16))
	t.Logf("redelivered %d, skipped %d duplicates", st.Redelivered, w.Inbox.Skipped())
}

// The consumer crashes holding messages it pulled and did not ack. The
// supervisor starts a new instance on the same durable consumer, the server
// redelivers after AckWait, and nothing is lost or processed twice.
//
// Fault: crash | target: the JetStream consumer, holding messages it pulled and did not ack | invariant: a new instance on the same durable gets them after AckWait: nothing lost, nothing processed twice
func TestJetStreamConsumerCrashLosesNothing(t *testing.T) {
	q := testQueue(t, 64, 16, 300*time.Millisecond)
	var restarts []string
	q.cfg.Restarted = func(crashed, next int) { restarts = append(restarts, "crashed-1-next-2") }
	w := Workload{Messages: 2000, ServiceRate: 10_000, Overload: 10, PayloadSize: 128, Seed: 5, Inbox: NewInbox(2000)}
	w.Fault = CrashAt(1000, nil)
	r, err := Run(t.Context(), q, w)
	require.NoError(t, err)
	a := r.Audit
	assert.Empty(t, a.Violations(), "every accepted message processed exactly once")
	assert.Equal(t, w.Messages, a.Processed)
	st := q.Stats()
	assert.Equal(t, int64(1), st.Restarts)
	assert.Equal(t, []string{"crashed-1-next-2"}, restarts)
	assert.GreaterOrEqual(t, st.Redelivered, int64(1), "at least the message that crashed comes back")
}

// The same crash, one level down and step by step: consumer instance 1
// stops consuming without acking what it holds; instance 2, started on the
// same durable consumer, receives those messages again once AckWait has
// passed, and every message is processed exactly once overall.
//
// Fault: crash | target: consumer instance 1, stopped without acking what it holds | invariant: instance 2 on the same durable consumer receives those messages again; every message processed exactly once
func TestNewConsumerInstanceGetsUnackedMessagesAfterAckWait(t *testing.T) {
	const (
		n       = 60
		window  = 10
		crashAt = 5
		ackWait = 500 * time.Millisecond
	)
	q := testQueue(t, n, window, ackWait)
	for id := range uint64(n) {
		require.NoError(t, q.Offer(t.Context(), testMessage(id)))
	}
	inbox := NewInbox(n)
	var processed collector

	// instance 1 processes 0..4 and dies on 5, holding up to W-5 more
	first := &Worker{Consumer: q.cons, Window: window, DeadLetters: q.cfg.DeadLetters,
		Handle: CrashAt(crashAt, nil)(inbox.Handler(processed.handle))}
	err := first.Run(t.Context())
	require.ErrorIs(t, err, ErrConsumerCrashed)
	crashedAt := time.Now()
	assert.Equal(t, []uint64{0, 1, 2, 3, 4}, processed.ids())
	info, err := q.cons.Info(t.Context())
	require.NoError(t, err)
	assert.Positive(t, info.NumAckPending, "the dead instance left messages delivered and unacked")
	assert.LessOrEqual(t, info.NumAckPending, window, "never more than MaxAckPending")

	// instance 2 takes over
	var (
		mu            sync.Mutex
		redeliveredAt time.Time
	)
	ctx, cancel := context.WithCancel(t.Context())
	second := &Worker{Consumer: q.cons, Window: window, DeadLetters: q.cfg.DeadLetters,
		Handle: inbox.Handler(func(ctx context.Context, m Message) error {
			if m.ID == crashAt {
				mu.Lock()
				redeliveredAt = time.Now()
				mu.Unlock()
				assert.GreaterOrEqual(t, m.Delivery, 2, "message %d is a redelivery", m.ID)
			}
			return processed.handle(ctx, m)
		})}
	done := make(chan error, 1)
	go func() { done <- second.Run(ctx) }()
	require.Eventually(t, func() bool { return processed.len() >= n }, 10*time.Second, 5*time.Millisecond)
	cancel()
	require.NoError(t, <-done)

	ids := processed.ids()
	slices.Sort(ids)
	want := make([]uint64, n)
	for i := range want {
		want[i] = uint64(i)
	}
	assert.Equal(t, want, ids, "every message processed exactly once across both instances")
	mu.Lock()
	defer mu.Unlock()
	assert.GreaterOrEqual(t, redeliveredAt.Sub(crashedAt), ackWait/2,
		"the server waited for AckWait (%s) before redelivering; it counts from the delivery, just before the crash", ackWait)
}

// An in-memory strategy cannot survive its consumer: what the dead consumer
// held is gone with it, so Run reports the crash instead of pretending.
//
// Fault: crash | target: the consumer of an in-memory strategy | invariant: the loss is reported by Run, never passed off as a clean run
func TestInMemoryStrategyCannotRecoverACrashedConsumer(t *testing.T) {
	w := Workload{Messages: 200, ServiceRate: 20_000, Overload: 10, PayloadSize: 64, Seed: 6}
	w.Fault = CrashAt(50, nil)
	_, err := Run(t.Context(), NewBoundedChannel(16), w)
	assert.ErrorIs(t, err, ErrConsumerCrashed)
}
