package workqueue_test

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/workflow/workqueue"
)

// TestMain first lets the test binary serve as a stage-consumer process:
// the crash tests start consumers by running this same binary again.
func TestMain(m *testing.M) {
	workqueue.ServeIfAsked()
	labtest.VerifyNoLeaks(m)
}
