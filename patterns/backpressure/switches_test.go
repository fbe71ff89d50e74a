package backpressure_test

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/backpressure"
)

// Each safeguard of pattern.yaml, turned off on the small workload: the demo
// must end VIOLATED with the evidence in its last line; without a switch it
// holds.
func TestSwitches(t *testing.T) {
	labtest.Switches(t, backpressure.Command, smallRun...)
}

func FuzzFlags(f *testing.F) { labtest.FuzzFlags(f, backpressure.Command) }
