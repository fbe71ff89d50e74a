// Command demo runs the edge-iot pattern: CNC machines publish over MQTT to
// an edge gateway that processes locally and stores and forwards to a hub
// across a leafnode link that the demo cuts.
package main

import (
	"os"

	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"

	"github.com/patternlab/patternlab/kit/narrate"
)

func main() { os.Exit(narrate.Main(edgeiot.Command)) }
