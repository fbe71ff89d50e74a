// Command demo runs the manufacturing case: make demo P=manufacturing.
package main

import (
	"os"

	"github.com/patternlab/patternlab/kit/narrate"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
)

func main() { os.Exit(narrate.Main(manufacturing.Command)) }
