package demorun

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
)

// The runner streams each demo's output from goroutines; none may outlive a test.
func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }
