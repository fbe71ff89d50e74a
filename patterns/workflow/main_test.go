package workflow_test

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/workflow"
)

// TestMain first lets the test binary serve as a worker process: the demo
// starts its stage consumers and Temporal workers by running this same
// binary again.
//
// ExampleDemo runs all three engines, Temporal included, because its output
// is the story the chapter shows. make exports TEMPORAL_CLI, so under make it
// always runs; a bare `go test` without the CLI skips it and says why (in CI
// a missing CLI is a failure: the Example runs and fails with the reason).
func TestMain(m *testing.M) {
	workflow.ServeIfAsked()
	labtest.SkipExamplesWithout(temporaldev.EnvCLI, temporaldev.Available() == nil,
		"make test builds the Temporal CLI once and exports it", "ExampleDemo")
	labtest.VerifyNoLeaks(m)
}
