// Command demo runs the internet case: make demo P=internet.
package main

import (
	"os"

	"github.com/patternlab/patternlab/kit/narrate"

	internet "github.com/patternlab/patternlab/industries/internet"
)

func main() { os.Exit(narrate.Main(internet.Command)) }
