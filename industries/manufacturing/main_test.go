package manufacturing_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/patternlab/patternlab/kit/childproc"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/operator"
)

// TestMain: ExampleDemo declares the plants' EdgeSites on envtest, and an
// Example cannot skip itself. Without the envtest binaries (and outside CI,
// where a missing prerequisite must fail) it is skipped, saying why.
func TestMain(m *testing.M) {
	childproc.ServeIfChild(serversMarker, serveServer)
	labtest.SkipExamplesWithout(operator.EnvAssets, os.Getenv(operator.EnvAssets) != "",
		"`make test` builds kube-apiserver and etcd once and exports it", "ExampleDemo")
	labtest.VerifyNoLeaks(m,
		// klog starts its flush daemon in init() and never stops it; client-go imports it.
		goleak.IgnoreTopFunction("k8s.io/klog/v2.(*flushDaemon).run.func1"),
	)
}
