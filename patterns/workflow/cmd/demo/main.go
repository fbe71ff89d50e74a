// Command demo runs the collect -> clean -> analyze -> store pipeline three
// ways on the same generated input: goroutines, JetStream workers, and a
// Temporal workflow; kills a worker mid-run in the last two; and checks that
// the three stores are identical.
//
//	go run ./patterns/workflow/cmd/demo             # needs TEMPORAL_CLI (make exports it)
//	go run ./patterns/workflow/cmd/demo -engines goroutines,nats
package main

import (
	"context"
	"flag"
	"os"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/workflow"
)

func main() {
	workflow.ServeWorkerIfAsked() // this program is also its own worker processes

	cfg := workflow.DefaultConfig()
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the generated dataset")
	flag.IntVar(&cfg.Records, "records", cfg.Records, "lines in the dataset (100-20000)")
	flag.IntVar(&cfg.FanOut, "fanout", cfg.FanOut, "readings analyzed at once in every engine (2-16)")
	flag.DurationVar(&cfg.AnalyzeLatency, "latency", cfg.AnalyzeLatency, "scoring service response time per reading")
	flag.IntVar(&cfg.MaxAttempts, "attempts", cfg.MaxAttempts, "analyze attempts per reading before it is rejected")
	flag.IntVar(&cfg.Poison, "poison", cfg.Poison, "readings the scoring service always fails on")
	engines := flag.String("engines", "goroutines,nats,temporal", "implementations to run, comma-separated")
	flag.BoolVar(&cfg.Crash, "crash", cfg.Crash, "SIGKILL a worker mid-run in the nats and temporal runs")
	flag.DurationVar(&cfg.AckWait, "ackwait", cfg.AckWait, "JetStream AckWait: how soon a dead worker's messages are redelivered")
	flag.DurationVar(&cfg.HeartbeatTimeout, "heartbeat", cfg.HeartbeatTimeout, "Temporal heartbeat timeout: how soon a dead worker's activity is retried")
	flag.StringVar(&cfg.Dir, "dir", "", "keep the run's files (input, SQLite stores, worker logs) in this directory")
	flag.BoolVar(&cfg.Hold, "hold", false, "keep the servers up after the run, to browse the Temporal Web UI, until Ctrl-C")
	flag.Parse()
	cfg.Engines = workflow.ParseEngines(*engines)

	os.Exit(narrate.Run(func(ctx context.Context, n *narrate.Narrator) error {
		if flag.NArg() > 0 {
			return narrate.Usagef("unexpected arguments: %v", flag.Args())
		}
		return workflow.Demo(ctx, n, cfg)
	}))
}
