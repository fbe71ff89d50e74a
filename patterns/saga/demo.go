package saga

import (
	"context"
	"errors"
	"fmt"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

// Backend says where the orchestrated sagas run.
type Backend string

const (
	// DevServer: a real Temporal dev server (or TEMPORAL_ADDRESS) and a
	// worker in a separate process, which the demo SIGKILLs mid-saga.
	DevServer Backend = "dev"
	// InMemory: the Temporal SDK's test environment; no server, no process.
	InMemory Backend = "memory"
)

// Config is what the demo runs.
type Config struct {
	// Orders is how many sagas each style runs.
	Orders int
	// Seed draws the orders and the fault schedule: same seed, same run.
	Seed uint64
	// FaultRate is the probability that a step (or a compensation) fails.
	FaultRate float64
	// Temporal picks the orchestration backend.
	Temporal Backend
	// UnsafeNoIdempotency turns the services' idempotency keys off, to
	// watch the invariant break.
	UnsafeNoIdempotency bool
	// Hold keeps the dev server, and its Web UI, up after the verdict until
	// the context ends (Ctrl-C), so the workflows can be browsed.
	Hold bool
}

// DefaultConfig is the demo's default run.
func DefaultConfig() Config {
	return Config{Orders: 8, Seed: 82, FaultRate: 0.3, Temporal: DevServer}
}

// Validate reports a bad configuration as a usage error.
func (c Config) Validate() error {
	switch {
	case c.Orders < 1 || c.Orders > 500:
		return narrate.Usagef("-orders must be between 1 and 500, got %d", c.Orders)
	case c.FaultRate < 0 || c.FaultRate > 1:
		return narrate.Usagef("-fault-rate must be between 0 and 1, got %g", c.FaultRate)
	case c.Temporal != DevServer && c.Temporal != InMemory:
		return narrate.Usagef("-temporal must be %q or %q, got %q", DevServer, InMemory, c.Temporal)
	}
	return nil
}

// Demo runs the same orders through both styles under the same seeded
// fault schedule, then checks the invariant on each style's real state.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	orders := NewOrders(cfg.Orders, cfg.Seed)
	plan := NewPlan(orders, cfg.Seed, cfg.FaultRate)

	n.Act("saga: %d orders, seed %d, fault rate %.2f", cfg.Orders, cfg.Seed, cfg.FaultRate)
	n.Step("lab", "three services, each with its own ledger: inventory (stock %d per item), payment, shipping", InitialStock)
	n.Step("lab", "fault schedule: %s", plan.Summary())
	if cfg.UnsafeNoIdempotency {
		n.Step("lab", "idempotency keys OFF: every delivery applies, duplicates included (watch the invariant break)")
	}
	target, err := natsembed.FromEnv(natsembed.Options{Name: "saga"})
	if err != nil {
		return fmt.Errorf("start nats: %w", err)
	}
	defer target.Close()
	n.Measure("lab", "%s", target.Describe())

	chor, err := runChoreography(ctx, n, target.URL, orders, plan, cfg)
	if err != nil {
		return fmt.Errorf("choreography: %w", err)
	}
	orch, release, err := runOrchestration(ctx, n, target.URL, orders, plan, cfg)
	if errors.Is(err, temporaldev.ErrNoCLI) {
		return fmt.Errorf("orchestration: %w (or run with -temporal=%s)", err, InMemory)
	}
	if err != nil {
		return fmt.Errorf("orchestration: %w", err)
	}
	defer release.stop()

	n.Act("verdict")
	if cfg.Hold && release.ui != "" {
		n.Step("temporal", "-hold: the dev server stays up after the verdict, for its Web UI, until Ctrl-C")
	}
	n.Invariant("choreography: "+Invariant, chor.Violations...)
	n.Invariant("orchestration: "+Invariant, orch.Violations...)
	if cfg.Hold && release.ui != "" {
		<-ctx.Done()
	}
	return nil
}

// newServices opens a fresh ledger for each service.
func newServices(o LedgerOptions) (map[string]*Service, error) {
	out := map[string]*Service{}
	for _, name := range Services {
		s, err := NewService(name, o)
		if err != nil {
			return nil, err
		}
		out[name] = s
	}
	return out, nil
}
