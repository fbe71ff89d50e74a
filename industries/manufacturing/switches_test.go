package manufacturing_test

import (
	"testing"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/kit/labtest"
)

// Hostile flag values get a usage error naming the flag, never a panic.
func FuzzFlags(f *testing.F) { labtest.FuzzFlags(f, manufacturing.Command) }
