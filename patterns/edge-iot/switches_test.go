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
