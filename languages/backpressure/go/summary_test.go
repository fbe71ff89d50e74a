package gobackpressure

import (
	"strings"
	"testing"
)

// The Go column holds on the module's defaults, and the audit is not vacuous:
// the unbounded buffer outgrows B, shedding sheds, the credit window absorbs
// the crashed consumer's redelivery.
func TestSummary(t *testing.T) {
	lines := Summary(DefaultWorkload(1))
	all := strings.Join(lines, "\n")
	if lines[len(lines)-1] != "invariant HELD" {
		t.Fatalf("not held:\n%s", all)
	}
	for _, want := range []string{"strategy unbounded-buffer", "shed-rate-limited=1", "absorbed=1 peak-in-flight=64 bound=64"} {
		if !strings.Contains(all, want) {
			t.Errorf("summary lacks %q:\n%s", want, all)
		}
	}
}
