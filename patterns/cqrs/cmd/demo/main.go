// Command demo runs the event-sourced ledger (CQRS on eventhorizon with a
// JetStream event store) and states whether its invariant held.
package main

import (
	"context"
	"flag"
	"os"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/cqrs"
)

func main() {
	cfg := cqrs.DefaultConfig()
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed for account IDs, amounts and the command mix")
	flag.IntVar(&cfg.Accounts, "accounts", cfg.Accounts, "number of accounts (3..8)")
	flag.IntVar(&cfg.Operations, "operations", cfg.Operations, "operations in the first burst")
	flag.IntVar(&cfg.DupEvery, "dup-every", cfg.DupEvery, "send every n-th operation twice (0: never)")
	flag.IntVar(&cfg.SecondBurst, "second-burst", cfg.SecondBurst, "deposits sent while the projectors crash")
	flag.IntVar(&cfg.CrashAfter, "crash-after", cfg.CrashAfter, "the projectors crash after applying this many of them")
	flag.DurationVar(&cfg.AckWait, "ack-wait", cfg.AckWait, "how long the server waits before redelivering an unacked event")
	flag.Parse()
	os.Exit(narrate.Run(func(ctx context.Context, n *narrate.Narrator) error {
		return cqrs.Demo(ctx, n, cfg)
	}))
}
