package edgeiot_test

import (
	"testing"

	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"

	"github.com/patternlab/patternlab/kit/labtest"
)

// Every switch of pattern.yaml turns one safeguard off, and the demo's own
// faults then break the invariant: the last line says VIOLATED and names
// the evidence (the readings stored twice, lost, or over the limit). A
// small plant keeps it short; the faults are the same.
func TestSwitchesBreakTheInvariant(t *testing.T) {
	labtest.Switches(t, edgeiot.Command, "-devices=3", "-readings=20", "-outage=60", "-buffer=60", "-seed=14")
}

// Hostile flag values give a usage error naming the flag, never a panic or
// a hang.
func FuzzFlags(f *testing.F) { labtest.FuzzFlags(f, edgeiot.Command) }
