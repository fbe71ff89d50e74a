package workflow_test

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/workflow"
)

// TestMain first lets the test binary serve as a worker process: the demo and
// the crash tests start workers by running this same binary again.
func TestMain(m *testing.M) {
	workflow.ServeWorkerIfAsked()
	labtest.VerifyNoLeaks(m)
}
