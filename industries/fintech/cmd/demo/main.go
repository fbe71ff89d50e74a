// Command demo runs a day of a payment clearing system: make demo P=fintech.
// -h lists the flags, among them one switch per safeguard.
package main

import (
	"os"

	"github.com/patternlab/patternlab/industries/fintech"
	"github.com/patternlab/patternlab/industries/fintech/clearing"
	"github.com/patternlab/patternlab/kit/narrate"
)

func main() {
	// The demo re-executes itself as the clearing process it SIGKILLs.
	clearing.ServeIfChild()
	os.Exit(narrate.Main(fintech.Command))
}
