// Command demo runs the same orders through a choreographed saga (NATS
// JetStream) and an orchestrated one (Temporal), under a seeded fault
// schedule, and checks the invariant on each.
//
//	go run ./patterns/saga/cmd/demo [-orders 8] [-seed 82] [-fault-rate 0.3] [-temporal dev|memory] [-idempotency=false] [-hold]
package main

import (
	"context"
	"flag"
	"os"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/saga"
)

func main() {
	// The demo re-executes itself as the Temporal worker process.
	saga.ServeWorkerIfChild()

	cfg := saga.DefaultConfig()
	flag.IntVar(&cfg.Orders, "orders", cfg.Orders, "orders (sagas) per style, 1..500")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the orders and the fault schedule")
	flag.Float64Var(&cfg.FaultRate, "fault-rate", cfg.FaultRate, "probability that a step or a compensation fails, 0..1")
	temporal := flag.String("temporal", string(cfg.Temporal), "orchestration backend: dev (Temporal dev server, worker process killed mid-run) or memory (SDK test environment)")
	idempotency := flag.Bool("idempotency", true, "services absorb duplicate deliveries by (saga, step) key; false shows why they must")
	flag.BoolVar(&cfg.Hold, "hold", false, "keep the dev server and its Web UI up after the verdict, until Ctrl-C")
	flag.Parse()
	cfg.Temporal = saga.Backend(*temporal)
	cfg.UnsafeNoIdempotency = !*idempotency

	os.Exit(narrate.Run(func(ctx context.Context, n *narrate.Narrator) error {
		if flag.NArg() > 0 {
			return narrate.Usagef("unexpected arguments: %v", flag.Args())
		}
		return saga.Demo(ctx, n, cfg)
	}))
}
