// Package narrate gives every demo of the lab one voice: one line per step with
// the actor first, injected faults announced as such, and a last line that is
// the demo's verdict.
//
//	== act 1: bounded channel ==
//	[producer] sending 10000 messages at 10x the consumer's rate
//	[consumer] FAULT: stalls for 200ms
//	[check] bounded-channel: peak queue 64 <= 64: ok
//	[invariant] HELD: every accepted message processed exactly once or counted as shed
//
// One verdict: the invariant line says HELD only when no check failed, no
// violation was reported and every planned fault fired; otherwise it says
// VIOLATED and lists what failed. The exit status of Run and Exec agrees with
// the last line, always: a check that fails after the invariant line, or a
// demo that stops with an error, gets a final VIOLATED line of its own.
//
// Measurements (rates, latencies, heap sizes) vary from run to run, so they go
// through Measure and nowhere else; every other line is deterministic for a
// given seed. An Example test builds its Narrator with HideMeasurements and
// verifies the rest of the story with "// Output:".
//
// For the lab's browser view the same story can be written as JSON lines
// (JSON, or NARRATE_FORMAT=json through Main): one Event per line, plus
// Message events (a message crossing between actors) and Sample events (a
// series over time) that text mode leaves out. A demo offers faults on
// demand with Offer; control lines ("fault <name>", NARRATE_CONTROL=stdin)
// inject them while it runs.
//
// A Narrator is safe for concurrent use; lines never interleave.
package narrate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Narrator writes a demo's story and keeps its verdict.
type Narrator struct {
	mu           sync.Mutex
	w            io.Writer
	hideMeasures bool
	invariants   int
	violated     []string // "statement: violation"
	failed       []string // names of failed checks
	planned      []*PlannedFault
	// verdictShown is true while the last line written is an invariant line
	// that states the current verdict.
	verdictShown bool
	lastHeld     bool
	json         *json.Encoder    // JSON-lines mode when set
	controls     map[string]*ctrl // faults offered on demand
	control      io.Reader        // where control lines come from, if any
	// answering is held while a control request is injected and answered,
	// and by the verdict: a request answers before the verdict or not at
	// all, so the verdict stays the demo's last line
	answering chan struct{}
	ended     bool // the verdict is written; control lines are no longer read
}

// Option configures a Narrator.
type Option func(*Narrator)

// HideMeasurements drops Measure lines, leaving the deterministic story (for
// Example tests and golden files).
func HideMeasurements() Option { return func(n *Narrator) { n.hideMeasures = true } }

// New narrates to w.
func New(w io.Writer, opts ...Option) *Narrator {
	n := &Narrator{w: w, answering: make(chan struct{}, 1)}
	for _, o := range opts {
		o(n)
	}
	return n
}

func (n *Narrator) event(e Event, text string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.emitLocked(e, text)
}

func (n *Narrator) writeLocked(s string) {
	fmt.Fprintln(n.w, s)
	n.verdictShown = false
}

// Act opens a part of the demo: "== title ==".
func (n *Narrator) Act(format string, args ...any) {
	t := fmt.Sprintf(format, args...)
	n.event(Event{Kind: KindAct, Fields: map[string]any{"title": t}}, "== "+t+" ==")
}

// Step narrates what an actor did: "[actor] what happened".
func (n *Narrator) Step(actor, format string, args ...any) {
	n.event(Event{Kind: KindStep, Actor: actor}, "["+actor+"] "+fmt.Sprintf(format, args...))
}

// Measure reports a measured value, which varies between runs:
// "[actor] goodput 4,812 msg/s". Hidden by HideMeasurements.
func (n *Narrator) Measure(actor, format string, args ...any) {
	if n.hideMeasures {
		return
	}
	n.event(Event{Kind: KindMeasure, Actor: actor}, "["+actor+"] "+fmt.Sprintf(format, args...))
}

// Fault announces an injected failure: "[actor] FAULT: what was done to it".
// Use Plan for a fault that is scheduled before it happens, so a fault that
// never fired fails the verdict instead of passing silently.
func (n *Narrator) Fault(actor, format string, args ...any) {
	n.event(Event{Kind: KindFault, Actor: actor}, "["+actor+"] FAULT: "+fmt.Sprintf(format, args...))
}

// Check narrates one measured condition on the way to the invariant and
// records it: "[check] name: detail: ok" or "... FAILED". A failed check makes
// the verdict VIOLATED.
func (n *Narrator) Check(name string, ok bool, format string, args ...any) bool {
	verdict := "ok"
	if !ok {
		verdict = "FAILED"
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.emitLocked(Event{Kind: KindCheck, Actor: "check", OK: &ok, Fields: map[string]any{"name": name}},
		"[check] "+name+": "+fmt.Sprintf(format, args...)+": "+verdict)
	if !ok {
		n.failed = append(n.failed, name)
	}
	return ok
}

// Invariant states an invariant with the violations found, and prints the
// verdict so far: "[invariant] HELD: statement" only when there are no
// violations, no check failed and every planned fault fired; otherwise
// "[invariant] VIOLATED: statement: v1; v2; failed checks: a, b". It reports
// whether the verdict is HELD. A demo's last line should be its last
// Invariant call; Run and Exec add a VIOLATED line when it is not.
func (n *Narrator) Invariant(statement string, violations ...string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.invariants++
	for _, v := range violations {
		n.violated = append(n.violated, statement+"\x00"+v)
	}
	causes := append([]string(nil), violations...)
	causes = append(causes, n.othersLocked(statement)...)
	n.verdictLocked(statement, causes)
	return len(causes) == 0
}

// othersLocked lists what failed besides the violations of this statement:
// failed checks (each name once, with how often it failed), earlier
// invariants' violations (each statement once, its violations after it) and
// planned faults not fired.
func (n *Narrator) othersLocked(statement string) []string {
	var out []string
	if len(n.failed) > 0 {
		out = append(out, "failed checks: "+strings.Join(counted(n.failed), ", "))
	}
	var earlier []string
	byStatement := map[string][]string{}
	for _, v := range n.violated {
		st, why, _ := strings.Cut(v, "\x00")
		if st == statement {
			continue
		}
		if _, seen := byStatement[st]; !seen {
			earlier = append(earlier, st)
		}
		byStatement[st] = append(byStatement[st], why)
	}
	for _, st := range earlier {
		out = append(out, "earlier: "+st+": "+strings.Join(byStatement[st], "; "))
	}
	if nf := n.notFiredLocked(); len(nf) > 0 {
		out = append(out, "planned faults that never fired: "+strings.Join(nf, ", "))
	}
	return out
}

// counted lists each name once, in first-seen order, with "(N times)" after
// a name that occurs more than once.
func counted(names []string) []string {
	var order []string
	times := map[string]int{}
	for _, name := range names {
		if times[name] == 0 {
			order = append(order, name)
		}
		times[name]++
	}
	for i, name := range order {
		if times[name] > 1 {
			order[i] = fmt.Sprintf("%s (%d times)", name, times[name])
		}
	}
	return order
}

// Held reports whether the verdict is HELD: at least one invariant was
// stated, none was violated, no check failed and every planned fault fired.
func (n *Narrator) Held() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.heldLocked()
}

func (n *Narrator) heldLocked() bool {
	return n.invariants > 0 && len(n.violated) == 0 && len(n.failed) == 0 && len(n.notFiredLocked()) == 0
}

// Failures lists the failed checks, the invariant violations and the planned
// faults that never fired, in that order.
func (n *Narrator) Failures() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := append([]string(nil), n.failed...)
	for _, v := range n.violated {
		out = append(out, strings.Replace(v, "\x00", ": ", 1))
	}
	for _, f := range n.notFiredLocked() {
		out = append(out, "fault never fired: "+f)
	}
	return out
}

// conclude makes the last line agree with the verdict: when the last line
// written is not an invariant line stating the current verdict, it writes
// "[invariant] VIOLATED: ..." with why. It returns the verdict.
func (n *Narrator) conclude(why string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	held := n.heldLocked()
	if held && why == "" && n.verdictShown && n.lastHeld {
		return true
	}
	if !held && why == "" && n.verdictShown && !n.lastHeld {
		return false
	}
	var causes []string
	if why != "" {
		causes = append(causes, why)
	}
	if n.invariants == 0 && why == "" {
		causes = append(causes, "the demo stated no invariant")
	}
	causes = append(causes, n.othersLocked("\x00")...)
	if len(causes) == 0 {
		// held, but the verdict line is not last (a step came after it)
		n.verdictLocked("every invariant stated above held", nil)
		return true
	}
	n.verdictLocked("", causes)
	return false
}

// verdictLocked writes an invariant line: HELD when there are no causes.
func (n *Narrator) verdictLocked(statement string, causes []string) {
	held := len(causes) == 0
	var text string
	switch {
	case held:
		text = "[invariant] HELD: " + statement
	case statement == "":
		text = "[invariant] VIOLATED: " + strings.Join(causes, "; ")
	default:
		text = "[invariant] VIOLATED: " + statement + ": " + strings.Join(causes, "; ")
	}
	n.emitLocked(Event{Kind: KindInvariant, Actor: "invariant", OK: &held,
		Fields: map[string]any{"statement": statement, "causes": causes}}, text)
	n.verdictShown, n.lastHeld = true, held
}
