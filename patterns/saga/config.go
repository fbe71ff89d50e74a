package saga

import (
	"time"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/saga/orchestration"
	"github.com/patternlab/patternlab/patterns/saga/shop"
	"github.com/patternlab/patternlab/patterns/saga/temporalsaga"
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

// Config is what the demo runs. The five safeguards are on by default; each
// has a switch that turns it off, to watch the invariant break.
type Config struct {
	// Orders is how many sagas each style runs.
	Orders int
	// Seed draws the orders and the fault schedule: same seed, same run.
	Seed uint64
	// FaultRate is the probability that a step (or a compensation) fails.
	FaultRate float64
	// Temporal picks the orchestration backend.
	Temporal Backend
	// Hold keeps the dev server, and its Web UI, up after the verdict until
	// the context ends (Ctrl-C), so the workflows can be browsed.
	Hold bool

	// Idempotency: the services absorb a second delivery of a (saga, step)
	// key (a retried activity, a redelivered event) instead of applying it.
	Idempotency bool
	// Compensation: a saga that fails undoes the steps that applied.
	Compensation bool
	// CompensationRetries: a failed compensation is retried until it
	// succeeds.
	CompensationRetries bool
	// SettlePivot: when the pivot's outcome is unknown, the orchestrator
	// asks shipping to settle it instead of compensating blindly.
	SettlePivot bool
	// Tombstones: a compensation of a step that never applied leaves a
	// record that refuses the step if it arrives later.
	Tombstones bool
}

// DefaultConfig is the demo's default run, every safeguard on.
func DefaultConfig() Config {
	return Config{Orders: 8, Seed: 82, FaultRate: 0.3, Temporal: DevServer,
		Idempotency: true, Compensation: true, CompensationRetries: true, SettlePivot: true, Tombstones: true}
}

// Flags declares the demo's flags on cfg, each with its range.
func Flags(cfg *Config) *demoflag.Set {
	s := demoflag.New("saga")
	s.Int(&cfg.Orders, "orders", shop.MinOrders, 500, "orders (sagas) per style; the scripted faults need 3")
	s.Uint64(&cfg.Seed, "seed", "seed of the orders and the fault schedule")
	s.Float(&cfg.FaultRate, "fault-rate", 0, 1, "probability that a step or a compensation fails, besides the scripted faults")
	temporal := string(cfg.Temporal)
	s.Choice(&temporal, "temporal", []string{string(DevServer), string(InMemory)},
		"orchestration backend: dev (Temporal dev server, worker process killed mid-run) or memory (SDK test environment)")
	s.Bool(&cfg.Hold, "hold", "keep the dev server and its Web UI up after the verdict, until Ctrl-C")
	s.Bool(&cfg.Idempotency, "idempotency", "services absorb duplicate deliveries by (saga, step) key; false shows why they must")
	s.Bool(&cfg.Compensation, "compensation", "a failed saga undoes its applied steps; false leaves them")
	s.Bool(&cfg.CompensationRetries, "compensation-retries", "a failed compensation is retried until it succeeds; false gives up after one attempt")
	s.Bool(&cfg.SettlePivot, "settle-pivot", "the orchestrator settles a pivot whose outcome is unknown with shipping; false compensates it blindly")
	s.Bool(&cfg.Tombstones, "tombstones", "a step that arrives after its compensation is refused; false applies it")
	s.Check(func() error {
		cfg.Temporal = Backend(temporal)
		return cfg.Validate()
	})
	return s
}

// Command parses the demo's arguments (see Flags) into a demo.
func Command(args []string) (narrate.Demo, error) {
	return demoflag.Command(args, DefaultConfig(), Flags, Demo)
}

// Validate reports a bad configuration as a usage error naming the flag.
func (c Config) Validate() error {
	switch {
	case c.Orders < shop.MinOrders || c.Orders > 500:
		return narrate.FlagError("orders", "must be between %d and 500, got %d: the scripted faults (a crash, a kill, a cancel, a pivot whose answer is lost) each need a saga of their own", shop.MinOrders, c.Orders)
	case !(c.FaultRate >= 0 && c.FaultRate <= 1):
		return narrate.FlagError("fault-rate", "must be between 0 and 1, got %g", c.FaultRate)
	case c.Temporal != DevServer && c.Temporal != InMemory:
		return narrate.FlagError("temporal", "must be %q or %q, got %q", DevServer, InMemory, c.Temporal)
	case c.Hold && c.Temporal != DevServer:
		return narrate.FlagError("hold", "keeps the dev server's Web UI up: it needs -temporal=%s", DevServer)
	}
	return nil
}

// unsafe is what the orchestrated saga is told to switch off.
func (c Config) unsafe() temporalsaga.Unsafe {
	u := temporalsaga.Unsafe{NoCompensation: !c.Compensation, NoSettle: !c.SettlePivot}
	if !c.CompensationRetries {
		u.CompensationAttempts = 1
	}
	return u
}

// sagaBudget bounds one saga of the demo, faults and recovery included:
// every forward step using all its attempts (each a StepTimeout and a
// back-off of at most a second), both compensations failing as often as
// the schedule makes them (three times) before they succeed, settling the
// pivot, and a worker process restarted; then doubled, for a loaded
// machine. No flag changes the work of one saga, only how many there are.
func sagaBudget() time.Duration {
	attempt := orchestration.StepTimeout + time.Second
	forward := time.Duration(len(shop.Forward)*shop.MaxForwardAttempts) * attempt
	compensations := 2 * 4 * (orchestration.StepTimeout + 2*time.Second)
	return 2 * (forward + compensations + attempt + workerStartTimeout)
}

// workerStartTimeout bounds the start of a worker process, until it polls
// its task queue: a process start, a Temporal client and a NATS connection,
// on a machine that may be loaded.
const workerStartTimeout = time.Minute
