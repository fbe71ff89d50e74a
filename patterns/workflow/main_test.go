package workflow_test

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/workflow"
)

// TestMain first lets the test binary serve as a worker process: the demo and
// the crash tests start workers by running this same binary again.
func TestMain(m *testing.M) {
	workflow.ServeWorkerIfAsked()
	skipExampleWithoutTemporal()
	labtest.VerifyNoLeaks(m)
}

// skipExampleWithoutTemporal: ExampleDemo runs all three implementations,
// Temporal included, because its output is the story the chapter shows. make
// exports TEMPORAL_CLI, so under make it always runs. A bare `go test`
// without the CLI cannot run it, and an Example cannot skip itself, so it is
// added to -test.skip here, saying so; in CI a missing CLI is a failure, and
// the Example runs and fails with the reason.
func skipExampleWithoutTemporal() {
	if os.Getenv(temporaldev.EnvAddress) != "" || os.Getenv(labtest.EnvCI) == "1" {
		return
	}
	if _, err := temporaldev.CLIPath(); err == nil {
		return
	}
	flag.Parse()
	skip := flag.Lookup("test.skip")
	pattern := "^ExampleDemo$"
	if v := skip.Value.String(); v != "" {
		pattern = v + "|" + pattern
	}
	_ = skip.Value.Set(pattern)
	fmt.Fprintln(os.Stderr, "ExampleDemo skipped: TEMPORAL_CLI is not set (make test builds and exports it)")
}
