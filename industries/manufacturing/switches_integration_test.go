//go:build integration

package manufacturing_test

import (
	"testing"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/kit/labtest"
)

// Every switch in pattern.yaml ends the demo VIOLATED with its evidence;
// without switches it ends HELD. Four whole demos (about 15 s each on an
// idle machine, and -dedupe=false waits out its settle deadline): the
// integration tier, like edge-iot's.
func TestIntegrationSwitches(t *testing.T) { labtest.Switches(t, manufacturing.Command) }
