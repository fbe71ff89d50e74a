package fintech

import (
	"context"
	"fmt"
)

// Handler handles one job; an error means "try again".
type Handler func(ctx context.Context, job int) error

// Report says what Process did.
type Report struct {
	Handled  map[int]int // job -> times handled successfully
	Attempts int
}

// Process hands every job to h until it succeeds, at most maxAttempts times
// per job.
func Process(ctx context.Context, jobs []int, maxAttempts int, h Handler) (Report, error) {
	r := Report{Handled: map[int]int{}}
	for _, j := range jobs {
		var err error
		for a := 0; a < maxAttempts; a++ {
			r.Attempts++
			if err = h(ctx, j); err == nil {
				r.Handled[j]++
				break
			}
		}
		if err != nil {
			return r, fmt.Errorf("job %d after %d attempts: %w", j, maxAttempts, err)
		}
	}
	return r, nil
}
