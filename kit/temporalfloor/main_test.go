package temporalfloor

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
)

// Run starts a goroutine per workflow; none may outlive a test. The
// Temporal test suite's stuck retries are its own and ignored.
func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m, labtest.IgnoreTemporalTestRetries()...) }
