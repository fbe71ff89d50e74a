package saga_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/saga"
)

func TestDemoRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		edit func(*saga.Config)
		want string
	}{
		{"no orders", func(c *saga.Config) { c.Orders = 0 }, "-orders must be between 1 and 500, got 0"},
		{"negative rate", func(c *saga.Config) { c.FaultRate = -0.1 }, "-fault-rate must be between 0 and 1, got -0.1"},
		{"unknown backend", func(c *saga.Config) { c.Temporal = "cloud" }, `-temporal must be "dev" or "memory", got "cloud"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := saga.DefaultConfig()
			tt.edit(&cfg)
			var out bytes.Buffer
			err := saga.Demo(context.Background(), narrate.New(&out), cfg)
			var usage *narrate.UsageError
			require.ErrorAs(t, err, &usage)
			assert.Equal(t, tt.want, err.Error())
			assert.Empty(t, out.String(), "nothing ran")
		})
	}
}

// runDemo runs the demo and returns its narration and narrator.
func runDemo(t *testing.T, cfg saga.Config) (string, *narrate.Narrator) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	n := narrate.New(&out, narrate.HideMeasurements())
	require.NoError(t, saga.Demo(ctx, n, cfg))
	return out.String(), n
}

// The demo as `make demo` runs it: the worker is a separate process,
// SIGKILLed after order-5's charge applied and before it heard back;
// Temporal retries the activity on a new worker, the payment service
// absorbs the duplicate, and both invariants hold.
func TestDemoOnTheDevServer(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	out, n := runDemo(t, saga.DefaultConfig())
	assert.True(t, n.Held(), "failures: %v\n%s", n.Failures(), out)
	assert.Contains(t, out, "[worker] FAULT: SIGKILL the worker process: order-5's charge has applied at payment, the worker dies before it hears back\n")
	assert.Contains(t, out, "[payment] order-5 charged 195.00\n[payment] order-5 charge delivered again: absorbed by key order-5/charge, not applied twice\n")
	assert.Contains(t, out, "[customer] cancels order-6 while payment is charging (signal \"cancel\")\n")
	assert.Contains(t, out, "[invariant] HELD: orchestration: ")
}

// Why the keys exist, in the demo itself: without them the redelivered
// events of the choreography are applied a second time.
func TestDemoWithoutIdempotencyBreaksTheInvariant(t *testing.T) {
	cfg := saga.DefaultConfig()
	cfg.UnsafeNoIdempotency = true
	cfg.Temporal = saga.InMemory
	out, n := runDemo(t, cfg)
	assert.False(t, n.Held())
	assert.Contains(t, out, "[invariant] VIOLATED: choreography: ")
	assert.Contains(t, out, "order-7/reserve applied 2 times")
	assert.Contains(t, out, "[invariant] HELD: orchestration: ", "in memory nothing is retried after it applied")
}

// And on the dev server: the charge Temporal retried after the worker was
// killed is applied a second time.
func TestDemoOnTheDevServerWithoutIdempotencyChargesTwice(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	cfg := saga.DefaultConfig()
	cfg.UnsafeNoIdempotency = true
	out, n := runDemo(t, cfg)
	assert.False(t, n.Held())
	assert.Contains(t, out, "[payment] order-5 charged 195.00 (attempt 2): APPLIED 2 TIMES\n")
	assert.Contains(t, out, "[invariant] VIOLATED: orchestration: ")
	assert.Contains(t, out, "order-5/charge applied 2 times")
}
