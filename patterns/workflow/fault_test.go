package workflow_test

// The demo's fault tests: each safeguard switched off must end the demo
// VIOLATED (TestIntegrationSwitches, switches_integration_test.go), -hold
// must hold (hold_test.go), and bad flags are usage errors (flags_test.go).
// The fault-injection tests of each engine are in its own package:
// goroutines, workqueue, durable and argo.

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/patternlab/patternlab/patterns/workflow"
)

// The invariant the demo states names the bound only when the in-process
// engine runs, and one store or several.
func TestInvariantNamesWhatTheRunChecks(t *testing.T) {
	assert.Equal(t, "the nats store holds the expected results; every input record is stored exactly once or rejected with a reason",
		workflow.InvariantFor([]workflow.Engine{workflow.EngineNATS}))
	assert.Contains(t, workflow.InvariantFor(workflow.Engines), "the goroutines, nats and temporal stores hold identical results")
	assert.Contains(t, workflow.InvariantFor(workflow.Engines), "never holds more lines than its bound")
}
