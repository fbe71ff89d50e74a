package cqrs

import (
	"os"
	"time"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// Config sizes the demo and says which safeguards are on. Every narrated
// line except measurements is the same for the same config.
type Config struct {
	Seed        uint64        // seeds account IDs, amounts and the mix of commands
	Accounts    int           // 3..8 accounts
	Operations  int           // the first burst
	DupEvery    int           // every n-th operation is sent twice (0: none)
	SecondBurst int           // deposits sent while the projectors crash
	CrashAfter  int           // the projectors crash after this many of them
	AckWait     time.Duration // how long the server waits before redelivering

	// The safeguards the invariant depends on. Each is on by default; its
	// switch (pattern.yaml) turns it off and the demo must then end VIOLATED.
	Dedupe          bool // an account remembers the command IDs it applied
	ExpectedVersion bool // an append names the version it was decided on
	VersionGuard    bool // a projector skips events its rows already hold
	DeadLetters     bool // the bus stores what it cannot decode before acking it
	SkipMalformed   bool // readers leave what is not history out instead of failing
	Protect         bool // only the ledger's own user may publish on its subjects
}

// DefaultConfig is the configuration of `make demo P=cqrs`.
func DefaultConfig() Config {
	return Config{
		Seed: 7, Accounts: 4, Operations: 400, DupEvery: 10, SecondBurst: 40, CrashAfter: 7, AckWait: time.Second,
		Dedupe: true, ExpectedVersion: true, VersionGuard: true, DeadLetters: true, SkipMalformed: true, Protect: true,
	}
}

// Flags are the demo's flags, each with its range, over cfg.
func Flags(cfg *Config) *demoflag.Set {
	s := demoflag.New("cqrs")
	s.Uint64(&cfg.Seed, "seed", "seed for account IDs, amounts and the command mix")
	s.Int(&cfg.Accounts, "accounts", 3, len(names), "number of accounts")
	s.Int(&cfg.Operations, "operations", 1, 20_000, "operations in the first burst")
	s.Int(&cfg.DupEvery, "dup-every", 0, 20_000, "send every n-th operation twice with the same command IDs (0: never)")
	s.Int(&cfg.SecondBurst, "second-burst", 2, 10_000, "deposits sent while the projectors crash")
	s.Int(&cfg.CrashAfter, "crash-after", 1, 9_999, "the projectors crash after applying this many of them (less than -second-burst)")
	s.Duration(&cfg.AckWait, "ack-wait", 100*time.Millisecond, time.Minute, "how long the server waits before redelivering an unacked event")
	s.Bool(&cfg.Dedupe, "dedupe", "accounts ignore a command whose ID they already applied (false: applied twice)")
	s.Bool(&cfg.ExpectedVersion, "expected-version", "appends carry the expected last sequence of the account (false: lost updates)")
	s.Bool(&cfg.VersionGuard, "version-guard", "projectors skip an event their row already holds (false: a redelivered event is projected twice)")
	s.Bool(&cfg.DeadLetters, "dead-letters", "the bus dead-letters what it cannot decode (false: terminated without a trace)")
	s.Bool(&cfg.SkipMalformed, "skip-malformed", "loads and replays skip what is not an account's history (false: one foreign message breaks them)")
	s.Bool(&cfg.Protect, "protect", "the embedded server lets only the ledger's user publish on its subjects (false: a guest forges an event)")
	s.Check(func() error { return cfg.Validate() }) // not cfg.Validate: that would bind a copy of the defaults
	return s
}

// Command parses the demo's flags into a runnable demo.
func Command(args []string) (narrate.Demo, error) {
	return demoflag.Command(args, DefaultConfig(), Flags, Demo)
}

// Validate reports a configuration the demo cannot run, as a usage error.
func (c Config) Validate() error {
	switch {
	case c.Accounts < 3 || c.Accounts > len(names):
		return narrate.FlagError("accounts", "must be between 3 and %d, got %d", len(names), c.Accounts)
	case c.Operations < 1:
		return narrate.FlagError("operations", "must be positive, got %d", c.Operations)
	case c.DupEvery < 0:
		return narrate.FlagError("dup-every", "must be 0 (off) or positive, got %d", c.DupEvery)
	case c.CrashAfter < 1 || c.SecondBurst <= c.CrashAfter:
		return narrate.FlagError("crash-after", "need 1 <= crash-after < second-burst, got %d and %d", c.CrashAfter, c.SecondBurst)
	case c.AckWait < 100*time.Millisecond:
		return narrate.FlagError("ack-wait", "must be at least 100ms, got %s", c.AckWait)
	case !c.Protect && os.Getenv(natsembed.EnvURL) != "":
		return narrate.FlagError("protect", "false needs the embedded server: on %s the subjects' permissions are the operator's", natsembed.EnvURL)
	}
	return nil
}

// perEvent is what one event may cost the read side on a loaded machine
// (one round trip per event per projector, race detector on): deadlines
// for catching up derive from it and from the number of events.
const perEvent = 20 * time.Millisecond

// catchUpTimeout bounds how long the read side may take to reach the
// write side when events are still to be projected, one redelivery included.
func (c Config) catchUpTimeout(events int) time.Duration {
	return 30*time.Second + 3*c.AckWait + time.Duration(events)*perEvent
}
