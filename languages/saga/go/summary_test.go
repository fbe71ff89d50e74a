package gosaga

import (
	"strings"
	"testing"
)

// The Go column must hold on the module's own demo defaults, and break when
// the module's idempotency keys are off (the safeguard the summary is about).
func TestSummary(t *testing.T) {
	for _, idem := range []bool{true, false} {
		lines, err := Summary(Config{Orders: 8, Seed: 82, FaultRate: 0.3, Idempotent: idem})
		if err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{true: "invariant HELD", false: "invariant VIOLATED"}[idem]
		if got := lines[len(lines)-1]; got != want {
			t.Errorf("idempotency=%t: last line %q, want %q\n%s", idem, got, want, strings.Join(lines, "\n"))
		}
	}
}
