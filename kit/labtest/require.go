package labtest

import (
	"os"
	"testing"
)

// EnvCI, set to 1 in CI, turns every missing prerequisite (Docker engine,
// Temporal CLI, envtest binaries) into a failure: in CI nothing skips.
const EnvCI = "PATTERNLAB_CI"

// Missing skips the test with a message saying what is missing and how to get
// it, or fails it in CI.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv(EnvCI) == "1" {
		t.Fatal("missing prerequisite (CI must provide it): " + what)
	}
	t.Skip("skipped, missing prerequisite: " + what)
}

// RequireTemporalCLI skips (or in CI fails) unless TEMPORAL_CLI names the
// cached Temporal CLI binary; `make` exports it.
func RequireTemporalCLI(t testing.TB) {
	t.Helper()
	p := os.Getenv("TEMPORAL_CLI")
	if p == "" {
		Missing(t, "TEMPORAL_CLI is not set: run through make (make test), which builds and exports it")
		return
	}
	if _, err := os.Stat(p); err != nil {
		Missing(t, "TEMPORAL_CLI="+p+" does not exist: run make temporal-cli")
	}
}
