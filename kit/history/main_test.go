package history

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
)

// porcupine checks partitions in goroutines of its own; none may outlive a check.
func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }
