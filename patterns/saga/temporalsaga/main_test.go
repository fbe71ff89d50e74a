package temporalsaga_test

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
)

// The SDK's test environment keeps the goroutine of a retry nobody waits
// for (flake-hunt: a workflow ended while one of its activities waited for
// a retry); everything else is checked.
func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m, labtest.IgnoreTemporalTestRetries()...) }
