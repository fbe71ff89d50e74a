// Command demo overloads a consumer ten times over and shows four ways to
// handle it: an unbounded buffer, a bounded channel, load shedding with a
// rate limiter, and a NATS JetStream pull consumer with MaxAckPending.
//
//	go run ./patterns/backpressure/cmd/demo [-overload 10] [-messages 20000] ...
//
// It starts an embedded nats-server unless NATS_URL names a real one, and
// exits 0 only when the invariant held.
package main

import (
	"context"
	"flag"
	"os"
	"strings"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/backpressure"
)

func main() {
	cfg := backpressure.DefaultConfig()
	flag.IntVar(&cfg.Messages, "messages", cfg.Messages, "messages offered to each strategy")
	flag.Float64Var(&cfg.ServiceRate, "rate", cfg.ServiceRate, "the consumer's service rate μ, msg/s")
	flag.Float64Var(&cfg.Overload, "overload", cfg.Overload, "the producer offers overload × rate msg/s")
	flag.IntVar(&cfg.PayloadSize, "payload", cfg.PayloadSize, "bytes per message")
	flag.IntVar(&cfg.Buffer, "buffer", cfg.Buffer, "B: capacity of the bounded queues and of the JetStream stream")
	flag.IntVar(&cfg.Window, "window", cfg.Window, "W: the JetStream consumer's MaxAckPending")
	flag.DurationVar(&cfg.AckWait, "ack-wait", cfg.AckWait, "JetStream AckWait: when unacked messages are redelivered")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of arrival times and payloads")
	strategies := flag.String("strategies", strings.Join(backpressure.StrategyNames, ","), "comma-separated strategies to run")
	flag.BoolVar(&cfg.Crash, "crash", cfg.Crash, "crash the JetStream consumer in a last act")
	flag.Parse()
	if *strategies != "" {
		cfg.Strategies = strings.Split(*strategies, ",")
	}

	os.Exit(narrate.Run(func(ctx context.Context, n *narrate.Narrator) error {
		if flag.NArg() > 0 {
			return narrate.Usagef("unexpected arguments %q: every setting is a flag (see -h)", flag.Args())
		}
		return backpressure.Demo(ctx, n, cfg)
	}))
}
