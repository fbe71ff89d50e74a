package narrate

import (
	"testing"

	"go.uber.org/goleak"
)

// A demo's controls and signal handling run in goroutines; none may outlive
// a test. (goleak itself: kit/labtest imports narrate.)
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
