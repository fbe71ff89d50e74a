package internet_test

import (
	"testing"

	internet "github.com/patternlab/patternlab/industries/internet"
	"github.com/patternlab/patternlab/kit/labtest"
)

// smallDay keeps every situation a safeguard exists for (repeats, late and
// held-back beacons, crawlers, malformed beacons, the clock jump, the 10x
// spike, the crash mid-window) on a smaller day.
var smallDay = []string{"-users=40", "-bots=1"}

// Every switch in pattern.yaml ends the demo VIOLATED with its evidence;
// without switches it ends HELD.
func TestSwitches(t *testing.T) { labtest.Switches(t, internet.Command, smallDay...) }

func FuzzFlags(f *testing.F) { labtest.FuzzFlags(f, internet.Command) }
