//go:build integration

package edgeiot_test

import (
	"testing"

	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"

	"github.com/patternlab/patternlab/kit/labtest"
)

// Every switch of pattern.yaml turns one safeguard off, and the demo's own
// faults then break the invariant: the last line says VIOLATED and names
// the evidence (the readings stored twice, lost, or over the limit). A
// small plant keeps it short; the faults are the same. Six demo runs take
// minutes on a loaded machine, so this runs in the integration tier (CI
// runs it; make flake-hunt TIER=integration too), on embedded servers.
func TestIntegrationSwitchesBreakTheInvariant(t *testing.T) {
	labtest.Switches(t, edgeiot.Command, "-devices=3", "-readings=20", "-outage=60", "-buffer=60", "-seed=14")
}
