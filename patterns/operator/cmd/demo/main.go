// Command demo runs the EdgeSite operator against a real kube-apiserver:
// envtest by default (KUBEBUILDER_ASSETS, set by make), or the cluster that
// KUBECONFIG names; and a NATS hub: embedded, or NATS_URL (NATS_CREDS).
// See the chapter docs/patterns/operator.md; -h lists the flags.
package main

import (
	"os"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/operator"
)

func main() { os.Exit(narrate.Main(operator.Command)) }
