package fintech_test

import (
	"context"
	"os"

	"github.com/patternlab/patternlab/kit/narrate"

	fintech "github.com/patternlab/patternlab/patterns/fintech"
)

func Example() {
	n := narrate.New(os.Stdout, narrate.HideMeasurements())
	_ = fintech.Demo(context.Background(), n, fintech.Config{Jobs: 5, FailJob: 2, Retry: true})
	// Output:
	// [producer] submits 5 jobs
	// [handler] FAULT: job 2 fails on its first attempt
	// [handler] 5 jobs handled in 6 attempts
	// [invariant] HELD: every job is handled exactly once, even when a handler fails
}
