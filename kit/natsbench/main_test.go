package natsbench

import (
	"testing"

	"go.uber.org/goleak"
)

// PubSub runs its subscriber in a goroutine; none may outlive a test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
