// Command demo runs the Fintech demo: make demo P=fintech.
package main

import (
	"os"

	"github.com/patternlab/patternlab/kit/narrate"

	fintech "github.com/patternlab/patternlab/patterns/fintech"
)

func main() { os.Exit(narrate.Main(fintech.Command)) }
