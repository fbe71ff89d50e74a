// Command demo runs the edge-iot pattern: CNC machines publish over MQTT to
// an edge gateway that processes locally and stores and forwards to a hub
// across a leafnode link that the demo cuts.
package main

import (
	"context"
	"flag"
	"os"

	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"

	"github.com/patternlab/patternlab/kit/narrate"
)

func main() {
	cfg := edgeiot.DefaultConfig()
	flag.IntVar(&cfg.Devices, "devices", cfg.Devices, "machines publishing over MQTT (1-99)")
	flag.IntVar(&cfg.Readings, "readings", cfg.Readings, "payloads per machine in each of acts 1-3")
	flag.IntVar(&cfg.Outage, "outage", cfg.Outage, "payloads per machine during the long outage of act 4")
	flag.Float64Var(&cfg.Rate, "rate", cfg.Rate, "payloads per second per machine")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the simulated sensors")
	flag.Float64Var(&cfg.Malformed, "malformed", cfg.Malformed, "share of malformed payloads (0-0.5)")
	flag.Float64Var(&cfg.Anomalies, "anomalies", cfg.Anomalies, "share of readings over the alert limit (0-0.5)")
	flag.IntVar(&cfg.Cuts, "cuts", cfg.Cuts, "how many times act 2 cuts the link (1-1000)")
	flag.Int64Var(&cfg.Buffer, "buffer", cfg.Buffer, "edge store-and-forward buffer, in readings (at least devices x readings)")
	flag.Parse()
	os.Exit(narrate.Run(func(ctx context.Context, n *narrate.Narrator) error {
		if flag.NArg() > 0 {
			return narrate.Usagef("unexpected arguments: %v", flag.Args())
		}
		return edgeiot.Demo(ctx, n, cfg)
	}))
}
