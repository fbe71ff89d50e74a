package fintech

import (
	"os"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// bankNames are the banks of the clearing system, in order.
var bankNames = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot"}

// Config sizes the day and says which safeguards are on. Every narrated
// line but the measurements is the same for the same config.
type Config struct {
	Seed     uint64 // the day's traffic
	Banks    int    // member banks
	Accounts int    // customer accounts per bank
	Payments int    // random payments in the day, besides the planted ones
	DupEvery int    // every n-th instruction is delivered 2 or 3 times (0: never)
	Outage   int    // payments that meet the risk service down

	// The safeguards the invariant depends on, each on by default; its
	// switch (pattern.yaml) turns it off, and the demo must end VIOLATED.
	Idempotency      bool // a payment is keyed by its instruction ID, not by the message
	StepDedupe       bool // the books absorb a leg they already applied (command IDs from the step keys)
	ExpectedVersion  bool // an append names the account version it was decided on
	FailClosed       bool // no risk decision, no payment
	Velocity         bool // the velocity limit per payer account
	Compensation     bool // a payment whose credit failed is credited back to the payer
	Settle           bool // a credit whose outcome is unknown is settled with the payee's books
	AtomicCheckpoint bool // the clearing saves its position and its sums in one atomic write
	DeadLetters      bool // malformed messages are stored as dead letters with their reason
	Protect          bool // only the clearing house's user may publish on the books' subjects
}

// DefaultConfig is what `make demo P=fintech` runs.
func DefaultConfig() Config {
	return Config{
		Seed: 7, Banks: 4, Accounts: 40, Payments: 300, DupEvery: 25, Outage: 6,
		Idempotency: true, StepDedupe: true, ExpectedVersion: true, FailClosed: true, Velocity: true,
		Compensation: true, Settle: true, AtomicCheckpoint: true, DeadLetters: true, Protect: true,
	}
}

// Flags binds the demo's flags, with their ranges, to cfg.
func Flags(cfg *Config) *demoflag.Set {
	s := demoflag.New("fintech")
	s.Uint64(&cfg.Seed, "seed", "seed of the day's traffic: accounts, balances, payers, amounts, times")
	s.Int(&cfg.Banks, "banks", 4, len(bankNames), "member banks")
	s.Int(&cfg.Accounts, "accounts", 8, 2_000, "customer accounts per bank")
	s.Int(&cfg.Payments, "payments", 0, 100_000, "random payments in the day, besides the planted ones")
	s.Int(&cfg.DupEvery, "dup-every", 0, 100_000, "every n-th instruction is delivered 2 or 3 times, as a bank resending after a timeout (0: never)")
	s.Int(&cfg.Outage, "outage", 2, 100, "payments that arrive while the risk service is down")
	s.Bool(&cfg.Idempotency, "idempotency", "key each payment by its instruction's end-to-end ID (false: by the message, so a resend is paid again)")
	s.Bool(&cfg.StepDedupe, "step-dedupe", "the books absorb a leg whose command ID they already hold (false: a retried leg applies again)")
	s.Bool(&cfg.ExpectedVersion, "expected-version", "appends to an account name the version they were decided on (false: lost updates)")
	s.Bool(&cfg.FailClosed, "fail-closed", "no risk decision, no payment (false: fail open, unscreened payments go through)")
	s.Bool(&cfg.Velocity, "velocity", "the velocity limit per payer account (false: a burst goes through)")
	s.Bool(&cfg.Compensation, "compensation", "a payment whose credit failed is credited back (false: the debit stands)")
	s.Bool(&cfg.Settle, "settle", "a credit whose outcome is unknown is settled with the payee's books (false: it is assumed failed)")
	s.Bool(&cfg.AtomicCheckpoint, "atomic-checkpoint", "the clearing saves position and sums in one atomic write (false: two writes, a crash between them)")
	s.Bool(&cfg.DeadLetters, "dead-letters", "malformed messages go to the dead letters with their reason (false: dropped)")
	s.Bool(&cfg.Protect, "protect", "only the clearing house's user may publish on the books' subjects (false: a guest forges a deposit)")
	s.Check(func() error { return cfg.Validate() })
	return s
}

// Command parses the demo's arguments: cmd/demo, the switch test and the
// flag fuzz test all go through it.
func Command(args []string) (narrate.Demo, error) {
	return demoflag.Command(args, DefaultConfig(), Flags, Demo)
}

// Validate reports a configuration the demo cannot run, as a usage error.
func (c Config) Validate() error {
	switch {
	case c.Banks < 4 || c.Banks > len(bankNames):
		return narrate.FlagError("banks", "must be 4..%d (the planted accounts live at four banks), got %d", len(bankNames), c.Banks)
	case c.Accounts < 8 || c.Accounts > 2_000:
		return narrate.FlagError("accounts", "must be 8..2000, got %d", c.Accounts)
	case c.Payments < 0 || c.Payments > 100_000:
		return narrate.FlagError("payments", "must be 0..100000, got %d", c.Payments)
	case c.DupEvery < 0:
		return narrate.FlagError("dup-every", "must be 0 (never) or positive, got %d", c.DupEvery)
	case c.Outage < 2 || c.Outage > 100:
		return narrate.FlagError("outage", "must be 2..100 (two planted payments arrive first in it), got %d", c.Outage)
	case !c.Protect && os.Getenv(natsembed.EnvURL) != "":
		return narrate.FlagError("protect", "false needs the embedded server: on %s the subjects' permissions are the operator's", natsembed.EnvURL)
	}
	return nil
}

// banks are the bank codes of this config.
func (c Config) banks() []string { return bankNames[:c.Banks] }
