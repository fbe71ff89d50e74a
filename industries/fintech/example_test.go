package fintech_test

import (
	"context"
	"os"

	"github.com/patternlab/patternlab/industries/fintech"
	"github.com/patternlab/patternlab/kit/narrate"
)

// Example runs the whole day on a smaller traffic. Measurements are
// hidden; every other line is the same on every run with this seed.
func Example() {
	cfg := fintech.DefaultConfig()
	cfg.Payments = 200
	n := narrate.New(os.Stdout, narrate.HideMeasurements())
	if err := fintech.Demo(context.Background(), n, cfg); err != nil {
		panic(err)
	}
	// Output:
}
