package federatedlearning_test

import (
	"context"
	"os"

	"github.com/patternlab/patternlab/kit/narrate"

	federatedlearning "github.com/patternlab/patternlab/patterns/federated-learning"
)

func Example() {
	n := narrate.New(os.Stdout, narrate.HideMeasurements())
	if err := federatedlearning.Demo(context.Background(), n, federatedlearning.DefaultConfig()); err != nil {
		n.Step("demo", "error: %v", err)
	}
	// Output:
}
