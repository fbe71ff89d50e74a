package edge_test

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
)

func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }
