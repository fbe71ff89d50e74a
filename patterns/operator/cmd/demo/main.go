// Command demo runs the EdgeSite operator against a real kube-apiserver:
// envtest by default (KUBEBUILDER_ASSETS, set by make), or the cluster that
// KUBECONFIG names; and a NATS hub: embedded, or NATS_URL (NATS_CREDS).
// See the chapter docs/patterns/operator.md.
package main

import (
	"context"
	"flag"
	"os"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/patterns/operator"
)

func main() {
	cfg := operator.DefaultConfig()
	flag.StringVar(&cfg.Namespace, "namespace", cfg.Namespace, "namespace of the EdgeSite")
	flag.StringVar(&cfg.Site, "site", cfg.Site, "name of the EdgeSite, also its plant")
	flag.DurationVar(&cfg.Within, "within", cfg.Within, "convergence bound after each attack")
	verbose := flag.Bool("v", false, "print controller-runtime and client-go logs to stderr")
	flag.Parse()
	cfg.Kubeconfig = os.Getenv(operator.EnvKubeconfig)
	cfg.HubURL = os.Getenv(natsembed.EnvURL)
	if *verbose {
		cfg.Log = os.Stderr
	}
	os.Exit(narrate.Run(func(ctx context.Context, n *narrate.Narrator) error {
		return operator.Demo(ctx, n, cfg)
	}))
}
