package goimage

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
)

// Containers run log producers; none may outlive a test.
func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }
