package manufacturing_test

import (
	"testing"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/kit/labtest"
)

// Every switch in pattern.yaml ends the demo VIOLATED with its evidence;
// without switches it ends HELD.
func TestSwitches(t *testing.T) { labtest.Switches(t, manufacturing.Command, "-shifts=1") }

// Hostile flag values get a usage error naming the flag, never a panic.
func FuzzFlags(f *testing.F) { labtest.FuzzFlags(f, manufacturing.Command) }
