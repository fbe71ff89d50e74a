package goroutines_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// Fan out over ten records with at most three steps in flight; the first
// error cancels the context of every other step, and Wait returns it. Nothing
// survives the process: a rerun starts again from the first record.
func Example() {
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(3)
	var done atomic.Int64
	for record := range 10 {
		g.Go(func() error {
			if record == 7 {
				return fmt.Errorf("record %d: %w", record, errors.New("bad input"))
			}
			select {
			case <-ctx.Done(): // a sibling failed: stop early
				return ctx.Err()
			default:
				done.Add(1)
				return nil
			}
		})
	}
	err := g.Wait()
	fmt.Println("pipeline:", err)
	fmt.Println("some records done, none recorded durably:", done.Load() < 10)
	// Output:
	// pipeline: record 7: bad input
	// some records done, none recorded durably: true
}
