package edgeiot_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
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

// edge-iot must own its servers (it cuts the link between them): with
// NATS_URL set, its first line says so, without the password, and the demo
// goes on with its own.
func TestNATSURLIsNamedAndNotUsed(t *testing.T) {
	t.Setenv("NATS_URL", "nats://someone:secret@192.0.2.1:4222")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the first line is all this test needs
	var out bytes.Buffer
	_ = edgeiot.Demo(ctx, narrate.New(&out), edgeiot.DefaultConfig())
	first, _, _ := strings.Cut(out.String(), "\n")
	if !strings.Contains(first, "NATS_URL is set") || !strings.Contains(first, "not used") || strings.Contains(first, "secret") {
		t.Fatalf("first line: %q", first)
	}
}
