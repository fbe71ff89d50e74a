package workflows_test

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
)

// The workflows start coroutines (workflow.Go); none may outlive a replay.
func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }
