package operator

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/patternlab/patternlab/kit/labtest"
)

// TestMain: ExampleDemo runs the demo against envtest, and an Example cannot
// skip itself. When the envtest binaries are missing (and this is not CI,
// where a missing prerequisite must fail) it is skipped, saying why; the Test
// functions run.
func TestMain(m *testing.M) {
	labtest.SkipExamplesWithout(EnvAssets, os.Getenv(EnvAssets) != "",
		"`make test` builds kube-apiserver and etcd once and exports it", "ExampleDemo")
	labtest.VerifyNoLeaks(m,
		// klog starts its flush daemon in init() and never stops it; it is
		// imported by client-go whether or not anything logs.
		goleak.IgnoreTopFunction("k8s.io/klog/v2.(*flushDaemon).run.func1"),
	)
}
