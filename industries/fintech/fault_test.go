package fintech_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"

	fintech "github.com/patternlab/patternlab/patterns/fintech"
)

// Every job's handler fails a few times before it succeeds; each job is still
// handled exactly once.
func TestEveryJobHandledOnceDespiteFailures(t *testing.T) {
	jobs := []int{0, 1, 2, 3, 4}
	failuresLeft := map[int]int{0: 2, 3: 1, 4: 2}
	r, err := fintech.Process(context.Background(), jobs, 3, func(_ context.Context, j int) error {
		if failuresLeft[j] > 0 {
			failuresLeft[j]--
			return errors.New("injected")
		}
		return nil
	})
	require.NoError(t, err)
	for _, j := range jobs {
		assert.Equal(t, 1, r.Handled[j], "job %d", j)
	}
	assert.Equal(t, len(jobs)+5, r.Attempts)
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	_, err := fintech.Process(context.Background(), []int{7}, 2, func(context.Context, int) error {
		return errors.New("always")
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "job 7 after 2 attempts")
}

// Every switch in pattern.yaml turns a safeguard off, and the demo must then
// end VIOLATED with the evidence.
func TestSwitchesMakeTheDemoFail(t *testing.T) {
	labtest.Switches(t, fintech.Command, "-jobs=5")
}

// Hostile flag values get a usage error naming the flag, never a panic.
func FuzzFlags(f *testing.F) { labtest.FuzzFlags(f, fintech.Command) }
