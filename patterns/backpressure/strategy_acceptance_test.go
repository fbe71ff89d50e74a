package backpressure

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// The conformance suite every Strategy passes (in the manner of
// eventhorizon's acceptance tests): what the harness relies on.

type strategyKind struct {
	name string
	// new returns a strategy of the given capacity that neither sheds by
	// rate nor drops anything while there is room.
	new func(t *testing.T, capacity int) Strategy
	// onFull is what Offer does at capacity: block, shed or accept.
	onFull fullBehavior
	// strategy is the Name the strategy gives itself, when not name.
	strategy string
	// unordered: a message retried after a refusal can be stored after
	// later ones (the publish window), so delivery order is not promised.
	unordered bool
}

type fullBehavior int

const (
	blocks fullBehavior = iota
	sheds
	accepts
)

func strategyKinds() []strategyKind {
	return []strategyKind{
		{NameUnbounded, func(*testing.T, int) Strategy { return NewUnboundedBuffer() }, accepts, "", false},
		{NameBounded, func(_ *testing.T, c int) Strategy { return NewBoundedChannel(c) }, blocks, "", false},
		{NameShedding, func(_ *testing.T, c int) Strategy { return NewShedder(c, float64(rate.Inf), 1) }, sheds, "", false},
		{NameJetStream, func(t *testing.T, c int) Strategy { return testQueue(t, c, c, 5*time.Second) }, blocks, "", false},
		// B = c/2 in the stream and P = c - c/2 in the publish window
		{NameJetStream + "/publish-window", func(t *testing.T, c int) Strategy { return testAsyncQueue(t, c/2, c-c/2) }, blocks, NameJetStream, true},
	}
}

func TestStrategyAcceptance(t *testing.T) {
	for _, k := range strategyKinds() {
		t.Run(k.name, func(t *testing.T) {
			t.Run("delivers every accepted message once, in order (unless unordered), then Serve returns", func(t *testing.T) {
				s := k.new(t, 64)
				if k.strategy != "" {
					assert.Equal(t, k.strategy, s.Name())
				} else {
					assert.Equal(t, k.name, s.Name())
				}
				var c collector
				sv := serve(t, t.Context(), s, c.handle)
				var want []uint64
				for id := range uint64(40) {
					require.NoError(t, s.Offer(t.Context(), testMessage(id)))
					want = append(want, id)
				}
				s.Close()
				require.NoError(t, sv.wait(t))
				if k.unordered {
					assert.ElementsMatch(t, want, c.ids())
				} else {
					assert.Equal(t, want, c.ids())
				}
				assert.Zero(t, s.Depth())
			})

			t.Run("at capacity", func(t *testing.T) {
				const capacity = 8
				s := k.new(t, capacity)
				for id := range uint64(capacity) {
					require.NoError(t, s.Offer(t.Context(), testMessage(id)))
				}
				require.Eventually(t, func() bool { return s.Depth() == capacity }, 5*time.Second, time.Millisecond)

				ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
				defer cancel()
				err := s.Offer(ctx, testMessage(capacity))
				var shed *ShedError
				switch k.onFull {
				case blocks:
					assert.ErrorIs(t, err, context.DeadlineExceeded, "a full %s holds the producer back", k.name)
					assert.Equal(t, capacity, s.Capacity())
					assert.Equal(t, capacity, s.Depth(), "nothing past B was queued")
				case sheds:
					require.ErrorAs(t, err, &shed)
					assert.Equal(t, ShedQueueFull, shed.Reason)
					assert.Equal(t, uint64(capacity), shed.ID)
				case accepts:
					assert.NoError(t, err)
					assert.Equal(t, Unbounded, s.Capacity())
					assert.Equal(t, capacity+1, s.Depth())
				}

				var c collector
				sv := serve(t, t.Context(), s, c.handle)
				if k.onFull == blocks {
					require.NoError(t, s.Offer(t.Context(), testMessage(capacity)), "room again once the consumer runs")
				}
				s.Close()
				require.NoError(t, sv.wait(t))
				want := capacity + 1 // the one offered at capacity, unless shed
				if k.onFull == sheds {
					want = capacity
				}
				assert.Len(t, c.ids(), want)
			})

			t.Run("Serve stops with the context", func(t *testing.T) {
				s := k.new(t, 8)
				ctx, cancel := context.WithCancel(t.Context())
				var c collector
				sv := serve(t, ctx, s, c.handle)
				require.NoError(t, s.Offer(t.Context(), testMessage(0)))
				require.Eventually(t, func() bool { return c.len() == 1 }, 5*time.Second, time.Millisecond)
				cancel()
				assert.ErrorIs(t, sv.wait(t), context.Canceled)
			})

			t.Run("a failing handler ends Serve with its error", func(t *testing.T) {
				s := k.new(t, 8)
				boom := errors.New("boom")
				sv := serve(t, t.Context(), s, func(context.Context, Message) error { return boom })
				require.NoError(t, s.Offer(t.Context(), testMessage(0)))
				assert.ErrorIs(t, sv.wait(t), boom)
			})
		})
	}
}

func TestShedderRateLimits(t *testing.T) {
	s := NewShedder(100, 1, 2) // 1 msg/s, burst 2: the third offer finds no token
	require.NoError(t, s.Offer(t.Context(), testMessage(0)))
	require.NoError(t, s.Offer(t.Context(), testMessage(1)))
	err := s.Offer(t.Context(), testMessage(2))
	var shed *ShedError
	require.ErrorAs(t, err, &shed)
	assert.Equal(t, ShedRateLimited, shed.Reason)
	assert.Equal(t, "message 2 shed: rate-limited", err.Error())
	assert.Equal(t, 2, s.Depth())
}

func TestSynchronousHandoffIsBoundedChannelOfZero(t *testing.T) {
	s := NewBoundedChannel(0)
	assert.Equal(t, "synchronous-handoff", s.Name())
	var c collector
	sv := serve(t, t.Context(), s, c.handle)
	for id := range uint64(5) {
		require.NoError(t, s.Offer(t.Context(), testMessage(id)))
		assert.Zero(t, s.Depth())
	}
	s.Close()
	require.NoError(t, sv.wait(t))
	assert.Equal(t, []uint64{0, 1, 2, 3, 4}, c.ids())
}
