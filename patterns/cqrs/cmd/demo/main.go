// Command demo runs the event-sourced ledger (CQRS on eventhorizon with a
// JetStream event store) and states whether its invariant held.
package main

import (
	"os"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/cqrs"
)

func main() { os.Exit(narrate.Main(cqrs.Command)) }
