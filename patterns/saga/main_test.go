package saga_test

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/saga/orchestration"
)

func TestMain(m *testing.M) {
	// Tests that need a worker process re-execute this test binary.
	orchestration.ServeWorkerIfChild()
	labtest.VerifyNoLeaks(m, labtest.IgnoreTemporalTestRetries()...) // the SDK test environment's abandoned retries
}
