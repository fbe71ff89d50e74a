package goroutines_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/patterns/workflow/goroutines"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
)

// The builder on records of its own, as another pipeline would use it: a
// stage that rejects, a stage that holds records back and emits them in its
// End (a window), and a store that sees every record or its rejection once.
func TestBuilderRunsAnyPipelineOfStages(t *testing.T) {
	ctx := pipelinetest.Ctx(t, time.Minute)
	r := goroutines.Start(ctx, 4)
	numbers := goroutines.Collect(r, func(_ context.Context, emit func(int) error) error {
		for i := 1; i <= 100; i++ {
			if err := emit(i); err != nil {
				return err
			}
		}
		return nil
	})
	odd := goroutines.Map(r, numbers, 3, func(_ context.Context, n int) (int, *pipeline.Rejection, error) {
		if n%2 == 0 {
			return 0, &pipeline.Rejection{LineID: strconv.Itoa(n), Kind: "even", Reason: "even numbers are rejected"}, nil
		}
		return n, nil, nil
	})
	var held []int // one worker: the stage's state needs no lock
	windows := goroutines.Then(r, odd, 1, goroutines.Step[int, string]{
		Each: func(_ context.Context, n int, out goroutines.Emitter[string]) error {
			held = append(held, n)
			if len(held) == 10 {
				w := fmt.Sprint(held)
				held = held[:0]
				return out.Emit(w)
			}
			return nil
		},
		End: func(_ context.Context, out goroutines.Emitter[string]) error {
			if len(held) == 0 {
				return nil
			}
			return out.Emit(fmt.Sprint(held))
		},
	})
	var stored []string
	var rejected []pipeline.Rejection
	goroutines.Store(r, windows, 3, func(_ context.Context, ws []string, rej []pipeline.Rejection) error {
		stored = append(stored, ws...)
		rejected = append(rejected, rej...)
		return nil
	})
	require.NoError(t, r.Wait())

	assert.Len(t, rejected, 50, "every even number reached the store as a rejection, past the window stage")
	assert.Len(t, stored, 5, "50 odd numbers in windows of 10")
	assert.Equal(t, 100, r.Probe().Collected())
	assert.Equal(t, 50+5, r.Probe().Settled(), "settled counts what the store committed")
}

// The first error stops every stage and is what Wait returns.
func TestBuilderStopsOnTheFirstError(t *testing.T) {
	ctx := pipelinetest.Ctx(t, time.Minute)
	boom := errors.New("boom")
	for _, buffer := range []int{0, 2, goroutines.Unbounded} {
		r := goroutines.Start(ctx, buffer)
		in := goroutines.Collect(r, func(ctx context.Context, emit func(int) error) error {
			for i := 0; ; i++ { // endless: only cancellation stops it
				if err := emit(i); err != nil {
					return err
				}
			}
		})
		out := goroutines.Map(r, in, 2, func(_ context.Context, n int) (int, *pipeline.Rejection, error) {
			if n == 50 {
				return 0, nil, boom
			}
			return n, nil, nil
		})
		goroutines.Store(r, out, 8, func(context.Context, []int, []pipeline.Rejection) error { return nil })
		assert.ErrorIs(t, r.Wait(), boom, "buffer %d", buffer)
	}
}

// An unbounded hand-off keeps the order of what goes through it and loses
// nothing, whatever the pace on either side.
func TestUnboundedHandoffKeepsOrderAndLosesNothing(t *testing.T) {
	ctx := pipelinetest.Ctx(t, time.Minute)
	r := goroutines.Start(ctx, goroutines.Unbounded)
	in := goroutines.Collect(r, func(_ context.Context, emit func(int) error) error {
		for i := range 5000 {
			if err := emit(i); err != nil {
				return err
			}
		}
		return nil
	})
	var got []int
	goroutines.Store(r, in, 64, func(_ context.Context, v []int, _ []pipeline.Rejection) error {
		got = append(got, v...)
		return nil
	})
	require.NoError(t, r.Wait())
	assert.Len(t, got, 5000)
	assert.True(t, slices.IsSorted(got), "one collector, one store: the order is kept")
}
