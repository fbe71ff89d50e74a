package fintech_test

import (
	"os"
	"testing"

	"github.com/patternlab/patternlab/industries/fintech/clearing"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

func TestMain(m *testing.M) {
	// The demo re-executes the test binary as its clearing process.
	clearing.ServeIfChild()
	labtest.SkipExamplesWithout("TEMPORAL_CLI", temporaldev.Available() == nil, "make test builds and exports it", "Example")
	labtest.VerifyNoLeaks(m)
	_ = os.Args
}
