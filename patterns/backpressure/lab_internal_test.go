package backpressure

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/narrate"
)

// A requested crash is planned when the demo accepts it: if no message comes
// to take it, the verdict is VIOLATED and names it.
func TestOnDemandRequestThatNeverFiresViolates(t *testing.T) {
	n := narrate.New(io.Discard, narrate.JSON())
	o := newOnDemand(n, 3, time.Millisecond, func() string { return "consumer-1" })
	withdraw := o.offer()
	require.NoError(t, n.Inject(FaultCrashConsumer))
	withdraw()
	assert.False(t, n.Invariant("the act ran"))
	assert.Contains(t, n.Failures(), "fault never fired: consumer: crash requested in the lab, after processing a message, before its ack")
}

// Once every message of the act is processed no message is left to take a
// fault: the request is refused and nothing is planned. After the act, the
// offer is gone.
func TestOnDemandRefusesWhenNothingIsLeft(t *testing.T) {
	n := narrate.New(io.Discard, narrate.JSON())
	o := newOnDemand(n, 2, time.Millisecond, func() string { return "consumer-1" })
	withdraw := o.offer()
	h := o.wrap(func(context.Context, Message) error { return nil })
	require.NoError(t, n.Inject(FaultCrashConsumer))
	require.ErrorIs(t, h(t.Context(), Message{ID: 0, Delivery: 1}), ErrConsumerCrashed, "the requested crash comes after processing")
	require.NoError(t, h(t.Context(), Message{ID: 0, Delivery: 2}), "the redelivery goes through")
	require.NoError(t, h(t.Context(), Message{ID: 1, Delivery: 1}))
	err := n.Inject(FaultCrashConsumer)
	require.ErrorContains(t, err, "too late")
	require.ErrorContains(t, n.Inject(FaultStallConsumer), "too late")
	withdraw()
	require.ErrorContains(t, n.Inject(FaultCrashConsumer), "no fault")
	assert.True(t, n.Invariant("the act ran"), "the refused requests planned nothing: %v", n.Failures())

	d := &demo{n: n}
	o.check(d, "act")
	assert.True(t, n.Invariant("the act ran"), "message 0 came back: %v", n.Failures())
}

// A requested crash whose message never comes back fails the demo's check.
func TestOnDemandCrashNotRedeliveredFailsTheCheck(t *testing.T) {
	n := narrate.New(io.Discard, narrate.JSON())
	o := newOnDemand(n, 2, time.Millisecond, func() string { return "consumer-1" })
	defer o.offer()()
	h := o.wrap(func(context.Context, Message) error { return nil })
	require.NoError(t, n.Inject(FaultCrashConsumer))
	require.ErrorIs(t, h(t.Context(), Message{ID: 1, Delivery: 1}), ErrConsumerCrashed)
	require.NoError(t, h(t.Context(), Message{ID: 0, Delivery: 2}), "another message's redelivery is not message 1's")
	d := &demo{n: n}
	o.check(d, "act")
	assert.False(t, n.Invariant("the act ran"))
	assert.Equal(t, []string{"act"}, n.Failures()[:1])
}

// A handler error (the act's own crash) leaves the request pending for the
// next message: the requested crash is never merged into another fault.
func TestOnDemandWaitsForAMessageThatWasProcessed(t *testing.T) {
	n := narrate.New(io.Discard, narrate.JSON())
	o := newOnDemand(n, 2, time.Millisecond, func() string { return "consumer-1" })
	defer o.offer()()
	boom := errors.New("the act's own crash")
	h := o.wrap(func(_ context.Context, m Message) error {
		if m.ID == 0 && m.Delivery == 1 {
			return boom
		}
		return nil
	})
	require.NoError(t, n.Inject(FaultCrashConsumer))
	require.ErrorIs(t, h(t.Context(), Message{ID: 0, Delivery: 1}), boom)
	require.ErrorIs(t, h(t.Context(), Message{ID: 0, Delivery: 2}), ErrConsumerCrashed)
	require.NoError(t, h(t.Context(), Message{ID: 0, Delivery: 3}))
}
