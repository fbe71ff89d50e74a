package saga_test

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/saga"
)

func TestMain(m *testing.M) {
	// Tests that need a worker process re-execute this test binary.
	saga.ServeWorkerIfChild()
	labtest.VerifyNoLeaks(m)
}
