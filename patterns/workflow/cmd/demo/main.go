// Command demo runs the collect -> clean -> analyze -> store pipeline three
// ways on the same generated input: goroutines, JetStream stage consumers,
// and a Temporal workflow; kills a worker process mid-stage in the last two;
// and checks that the three stores are identical. -h lists the flags, and
// the switches that turn each safeguard off.
//
//	go run ./patterns/workflow/cmd/demo             # needs TEMPORAL_CLI (make exports it)
//	go run ./patterns/workflow/cmd/demo -engines goroutines,nats
package main

import (
	"os"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/workflow"
)

func main() {
	workflow.ServeIfAsked() // this program is also its own worker processes
	os.Exit(narrate.Main(workflow.Command))
}
