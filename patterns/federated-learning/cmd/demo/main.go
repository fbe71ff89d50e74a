// Command demo runs the Federated Learning demo: make demo P=federated-learning.
package main

import (
	"os"

	"github.com/patternlab/patternlab/kit/narrate"

	federatedlearning "github.com/patternlab/patternlab/patterns/federated-learning"
)

func main() { os.Exit(narrate.Main(federatedlearning.Command)) }
