// Package narrate gives every demo of the lab one voice: one line per step with
// the actor first, injected faults announced as such, and a last line stating
// the invariant the demo checked and whether it held.
//
//	== act 1: bounded channel ==
//	[producer] sending 10000 messages at 10x the consumer's rate
//	[consumer] FAULT: stalls for 200ms
//	[check] bounded-channel: peak queue 64 <= 64: ok
//	[invariant] HELD: every accepted message processed exactly once or counted as shed
//
// Measurements (rates, latencies, heap sizes) vary from run to run, so they go
// through Measure and nowhere else; every other line is deterministic for a
// given seed. An Example test builds its Narrator with HideMeasurements and
// verifies the rest of the story with "// Output:".
//
// A Narrator is safe for concurrent use; lines never interleave.
package narrate

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// Narrator writes a demo's story and remembers whether its invariants held.
type Narrator struct {
	mu           sync.Mutex
	w            io.Writer
	hideMeasures bool
	invariants   int
	violated     []string
	failed       []string
}

// Option configures a Narrator.
type Option func(*Narrator)

// HideMeasurements drops Measure lines, leaving the deterministic story (for
// Example tests and golden files).
func HideMeasurements() Option { return func(n *Narrator) { n.hideMeasures = true } }

// New narrates to w.
func New(w io.Writer, opts ...Option) *Narrator {
	n := &Narrator{w: w}
	for _, o := range opts {
		o(n)
	}
	return n
}

func (n *Narrator) line(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintln(n.w, s)
}

// Act opens a part of the demo: "== title ==".
func (n *Narrator) Act(format string, args ...any) {
	n.line("== " + fmt.Sprintf(format, args...) + " ==")
}

// Step narrates what an actor did: "[actor] what happened".
func (n *Narrator) Step(actor, format string, args ...any) {
	n.line("[" + actor + "] " + fmt.Sprintf(format, args...))
}

// Measure reports a measured value, which varies between runs:
// "[actor] goodput 4,812 msg/s". Hidden by HideMeasurements.
func (n *Narrator) Measure(actor, format string, args ...any) {
	if n.hideMeasures {
		return
	}
	n.Step(actor, format, args...)
}

// Fault announces an injected failure: "[actor] FAULT: what was done to it".
func (n *Narrator) Fault(actor, format string, args ...any) {
	n.line("[" + actor + "] FAULT: " + fmt.Sprintf(format, args...))
}

// Check narrates one measured condition on the way to the invariant and
// records it: "[check] name: detail: ok" or "... FAILED". A failed check makes
// the demo exit non-zero even if the final invariant is stated as held.
func (n *Narrator) Check(name string, ok bool, format string, args ...any) bool {
	verdict := "ok"
	if !ok {
		verdict = "FAILED"
	}
	n.line("[check] " + name + ": " + fmt.Sprintf(format, args...) + ": " + verdict)
	if !ok {
		n.mu.Lock()
		n.failed = append(n.failed, name)
		n.mu.Unlock()
	}
	return ok
}

// Invariant states an invariant and whether it held: it held when there are
// no violations. It prints "[invariant] HELD: statement" or
// "[invariant] VIOLATED: statement: v1; v2". A demo's last line is its last
// Invariant call.
func (n *Narrator) Invariant(statement string, violations ...string) bool {
	n.mu.Lock()
	n.invariants++
	n.violated = append(n.violated, violations...)
	n.mu.Unlock()
	if len(violations) == 0 {
		n.line("[invariant] HELD: " + statement)
		return true
	}
	n.line("[invariant] VIOLATED: " + statement + ": " + strings.Join(violations, "; "))
	return false
}

// Held reports whether at least one invariant was stated and none was
// violated, and no check failed.
func (n *Narrator) Held() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.invariants > 0 && len(n.violated) == 0 && len(n.failed) == 0
}

// Failures lists the failed checks and invariant violations, in order.
func (n *Narrator) Failures() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append(append([]string(nil), n.failed...), n.violated...)
}
