package fintech

import (
	"context"
	"errors"
	"fmt"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
)

// Invariant is the sentence the demo's last line states (pattern.yaml holds
// the same).
const Invariant = "every job is handled exactly once, even when a handler fails"

// Config is the demo's knobs.
type Config struct {
	Jobs    int  // how many jobs to handle
	FailJob int  // the job whose first attempt fails (the injected fault)
	Retry   bool // the safeguard: retry a failed job (switch: -retry=false)
}

// DefaultConfig is what `make demo P=fintech` runs.
func DefaultConfig() Config { return Config{Jobs: 10, FailJob: 3, Retry: true} }

// Flags binds the demo's flags, with their ranges, to cfg.
func Flags(cfg *Config) *demoflag.Set {
	s := demoflag.New("fintech")
	s.Int(&cfg.Jobs, "jobs", 1, 100_000, "how many jobs to handle")
	s.Int(&cfg.FailJob, "fail-job", 0, 100_000, "the job whose first attempt fails")
	s.Bool(&cfg.Retry, "retry", "retry a failed job (false turns the safeguard off: the demo must end VIOLATED)")
	s.Check(cfg.Validate)
	return s
}

// Validate rejects combinations the demo cannot run with.
func (c Config) Validate() error {
	if c.FailJob >= c.Jobs {
		return narrate.FlagError("fail-job", "must be below -jobs (%d), got %d", c.Jobs, c.FailJob)
	}
	return nil
}

// Command parses the demo's arguments: cmd/demo, the switch test and the
// flag fuzz test all go through it.
func Command(args []string) (narrate.Demo, error) {
	cfg := DefaultConfig()
	if err := Flags(&cfg).Parse(args); err != nil {
		return nil, err
	}
	return func(ctx context.Context, n *narrate.Narrator) error { return Demo(ctx, n, cfg) }, nil
}

// Demo runs the narrated demo.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	jobs := make([]int, cfg.Jobs)
	for i := range jobs {
		jobs[i] = i
	}
	attempts := 3
	if !cfg.Retry {
		n.Step("lab", "SWITCH -retry=false: a failed job is not tried again")
		attempts = 1
	}
	n.Step("producer", "submits %d jobs", len(jobs))
	fault := n.Plan("handler", fmt.Sprintf("job %d fails on its first attempt", cfg.FailJob))
	r, err := Process(ctx, jobs, attempts, func(_ context.Context, job int) error {
		if job == cfg.FailJob && fault.Fired() == 0 {
			fault.Fire("job %d fails on its first attempt", job)
			return errors.New("injected failure")
		}
		return nil
	})
	if err != nil {
		n.Step("handler", "gave up: %v", err)
	}
	n.Step("handler", "%d jobs handled in %d attempts", len(r.Handled), r.Attempts)
	// The audit counts from the handler's side, not from Process's report.
	var violations []string
	for _, j := range jobs {
		if r.Handled[j] != 1 {
			violations = append(violations, fmt.Sprintf("job %d handled %d times", j, r.Handled[j]))
		}
	}
	n.Invariant(Invariant, violations...)
	return nil
}
