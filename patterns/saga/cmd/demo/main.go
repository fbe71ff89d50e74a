// Command demo runs the same orders through a choreographed saga (NATS
// JetStream) and an orchestrated one (Temporal), under a seeded fault
// schedule, and checks the invariant on each. -h lists the flags, among
// them one switch per safeguard (-idempotency=false, -compensation=false,
// -compensation-retries=false, -settle-pivot=false, -tombstones=false).
package main

import (
	"os"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/saga"
	"github.com/patternlab/patternlab/patterns/saga/orchestration"
)

func main() {
	// The demo re-executes itself as the Temporal worker process.
	orchestration.ServeWorkerIfChild()
	os.Exit(narrate.Main(saga.Command))
}
