package operator

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/patternlab/patternlab/kit/labtest"
)

func TestMain(m *testing.M) {
	skipExampleWithoutControlPlane()
	labtest.VerifyNoLeaks(m,
		// klog starts its flush daemon in init() and never stops it; it is
		// imported by client-go whether or not anything logs.
		goleak.IgnoreTopFunction("k8s.io/klog/v2.(*flushDaemon).run.func1"),
	)
}

// skipExampleWithoutControlPlane: ExampleDemo runs the demo against envtest
// and an Example cannot skip itself. When the envtest binaries are missing
// (and this is not CI, where a missing prerequisite must fail) and no -run
// was given, run only the Test functions and say why.
func skipExampleWithoutControlPlane() {
	if os.Getenv(EnvAssets) != "" || os.Getenv(labtest.EnvCI) == "1" {
		return
	}
	flag.Parse()
	run := flag.Lookup("test.run")
	if run == nil || run.Value.String() != "" {
		return
	}
	if err := run.Value.Set("^Test"); err == nil {
		fmt.Fprintln(os.Stderr, "ExampleDemo skipped: "+EnvAssets+" is not set; `make test` builds kube-apiserver and etcd once and exports it")
	}
}
