package operator

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/patternlab/patternlab/kit/labtest"
)

func TestMain(m *testing.M) {
	labtest.VerifyNoLeaks(m,
		// klog starts its flush daemon in init() and never stops it; it is
		// imported by client-go whether or not anything logs.
		goleak.IgnoreTopFunction("k8s.io/klog/v2.(*flushDaemon).run.func1"),
	)
}
