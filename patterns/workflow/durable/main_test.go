package durable_test

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/workflow/durable"
)

// TestMain first lets the test binary serve as a worker process: the crash
// tests start workers by running this same binary again.
func TestMain(m *testing.M) {
	durable.ServeIfAsked()
	labtest.VerifyNoLeaks(m)
}
