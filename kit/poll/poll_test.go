package poll_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/poll"
)

func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }

func TestUntilReturnsOnceTheConditionHolds(t *testing.T) {
	calls := 0
	err := poll.Until(context.Background(), time.Millisecond, func() (bool, error) {
		calls++
		return calls == 3, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3, calls)
}

func TestUntilChecksAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := poll.Until(ctx, time.Hour, func() (bool, error) { return true, nil })
	require.NoError(t, err, "a condition that already holds wins over an ended context")
}

func TestUntilReturnsTheConditionsError(t *testing.T) {
	boom := errors.New("consumer info: no responders")
	err := poll.Until(context.Background(), time.Millisecond, func() (bool, error) { return false, boom })
	require.ErrorIs(t, err, boom)
}

func TestUntilReturnsTheContextsCauseAtTheDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	calls := 0
	err := poll.Until(ctx, 5*time.Millisecond, func() (bool, error) { calls++; return false, nil })
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Greater(t, calls, 1, "polled more than once before the deadline")

	why := errors.New("the demo was interrupted")
	ctx, cancelCause := context.WithCancelCause(context.Background())
	cancelCause(why)
	err = poll.Until(ctx, time.Millisecond, func() (bool, error) { return false, nil })
	require.ErrorIs(t, err, why)
}

func TestWithinGivesUpAfterTheTimeout(t *testing.T) {
	start := time.Now()
	err := poll.Within(context.Background(), 50*time.Millisecond, 5*time.Millisecond, func() (bool, error) { return false, nil })
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)

	calls := 0
	err = poll.Within(context.Background(), time.Minute, time.Millisecond, func() (bool, error) { calls++; return calls == 2, nil })
	require.NoError(t, err)
}
