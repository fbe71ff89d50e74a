package narrate

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMeasureShownByDefault(t *testing.T) {
	var out bytes.Buffer
	New(&out).Measure("consumer", "p99 %s", "3ms")
	assert.Equal(t, "[consumer] p99 3ms\n", out.String())
}

// Every combination of checks, violations, planned faults, errors and the
// order of lines: the exit status and the last line always agree.
func TestRunExitStatusAndLastLineAgree(t *testing.T) {
	tests := []struct {
		name    string
		demo    Demo
		want    int
		wantOut string
		wantErr string
	}{
		{"held", func(_ context.Context, n *Narrator) error { n.Invariant("x"); return nil },
			ExitHeld, "[invariant] HELD: x\n", ""},
		{"violated", func(_ context.Context, n *Narrator) error { n.Invariant("x", "lost 3"); return nil },
			ExitViolated, "[invariant] VIOLATED: x: lost 3\n", ""},
		{"failed check then invariant", func(_ context.Context, n *Narrator) error {
			n.Check("c", false, "d")
			n.Invariant("x")
			return nil
		}, ExitViolated, "[check] c: d: FAILED\n[invariant] VIOLATED: x: failed checks: c\n", ""},
		{"passed check then invariant", func(_ context.Context, n *Narrator) error {
			n.Check("c", true, "d")
			n.Invariant("x")
			return nil
		}, ExitHeld, "[check] c: d: ok\n[invariant] HELD: x\n", ""},
		{"violation and failed checks", func(_ context.Context, n *Narrator) error {
			n.Check("a", false, "d")
			n.Check("b", false, "d")
			n.Invariant("x", "lost 3")
			return nil
		}, ExitViolated, "[check] a: d: FAILED\n[check] b: d: FAILED\n[invariant] VIOLATED: x: lost 3; failed checks: a, b\n", ""},
		{"failed check after the invariant", func(_ context.Context, n *Narrator) error {
			n.Invariant("x")
			n.Check("late", false, "d")
			return nil
		}, ExitViolated, "[invariant] HELD: x\n[check] late: d: FAILED\n[invariant] VIOLATED: failed checks: late\n", ""},
		{"step after a held invariant", func(_ context.Context, n *Narrator) error {
			n.Invariant("x")
			n.Step("demo", "cleaning up")
			return nil
		}, ExitHeld, "[invariant] HELD: x\n[demo] cleaning up\n[invariant] HELD: every invariant stated above held\n", ""},
		{"step after a violated invariant", func(_ context.Context, n *Narrator) error {
			n.Invariant("x", "lost 1")
			n.Step("demo", "cleaning up")
			return nil
		}, ExitViolated, "[invariant] VIOLATED: x: lost 1\n[demo] cleaning up\n[invariant] VIOLATED: earlier: x: lost 1\n", ""},
		{"first invariant violated, second held", func(_ context.Context, n *Narrator) error {
			n.Invariant("a", "lost 1")
			n.Invariant("b")
			return nil
		}, ExitViolated, "[invariant] VIOLATED: a: lost 1\n[invariant] VIOLATED: b: earlier: a: lost 1\n", ""},
		{"an earlier statement is named once, with all its violations", func(_ context.Context, n *Narrator) error {
			n.Invariant("a", "lost 1", "lost 2")
			n.Invariant("b")
			return nil
		}, ExitViolated, "[invariant] VIOLATED: a: lost 1; lost 2\n[invariant] VIOLATED: b: earlier: a: lost 1; lost 2\n", ""},
		{"a check failed twice is named once, with how often", func(_ context.Context, n *Narrator) error {
			n.Check("c", false, "d")
			n.Check("e", false, "d")
			n.Check("c", false, "d")
			n.Invariant("x")
			return nil
		}, ExitViolated, "[check] c: d: FAILED\n[check] e: d: FAILED\n[check] c: d: FAILED\n[invariant] VIOLATED: x: failed checks: c (2 times), e\n", ""},
		{"planned fault fired", func(_ context.Context, n *Narrator) error {
			f := n.Plan("consumer", "crash before ack")
			f.Fire("crashed before acking %d", 3)
			n.Invariant("x")
			return nil
		}, ExitHeld, "[consumer] FAULT: crashed before acking 3\n[invariant] HELD: x\n", ""},
		{"planned fault never fired", func(_ context.Context, n *Narrator) error {
			n.Plan("consumer", "crash before ack")
			n.Invariant("x")
			return nil
		}, ExitViolated, "[invariant] VIOLATED: x: planned faults that never fired: consumer: crash before ack\n", ""},
		{"no invariant", func(context.Context, *Narrator) error { return nil },
			ExitViolated, "[invariant] VIOLATED: the demo stated no invariant\n", ""},
		{"failed check and no invariant", func(_ context.Context, n *Narrator) error { n.Check("c", false, "d"); return nil },
			ExitViolated, "[check] c: d: FAILED\n[invariant] VIOLATED: the demo stated no invariant; failed checks: c\n", ""},
		{"usage", func(context.Context, *Narrator) error { return Usagef("-rate must be > 0, got %d", -1) },
			ExitUsage, "", "usage error: -rate must be > 0, got -1\nrun with -h for the flags and their ranges\n"},
		{"error", func(context.Context, *Narrator) error { return errors.New("boom") },
			ExitViolated, "[demo] error: boom\n[invariant] VIOLATED: the demo stopped before its verdict: boom\n", ""},
		{"error after a held invariant", func(_ context.Context, n *Narrator) error { n.Invariant("x"); return errors.New("cleanup failed") },
			ExitViolated, "[invariant] HELD: x\n[demo] error: cleanup failed\n[invariant] VIOLATED: the demo stopped before its verdict: cleanup failed\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			got := run(context.Background(), &out, &errOut, tt.demo)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantOut, out.String())
			assert.Equal(t, tt.wantErr, errOut.String())
			if tt.want == ExitUsage {
				return
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			last := lines[len(lines)-1]
			if got == ExitHeld {
				assert.True(t, strings.HasPrefix(last, "[invariant] HELD: "), "exit 0 but last line %q", last)
			} else {
				assert.True(t, strings.HasPrefix(last, "[invariant] VIOLATED: "), "exit %d but last line %q", got, last)
			}
		})
	}
}

func TestExecParsesBeforeRunning(t *testing.T) {
	ran := false
	cmd := func(args []string) (Demo, error) {
		if len(args) > 0 && args[0] == "-h" {
			return nil, &Help{Usage: "flags: none\n"}
		}
		if len(args) > 0 {
			return nil, FlagError("rate", "must be finite, got %s", args[0])
		}
		return func(_ context.Context, n *Narrator) error { ran = true; n.Invariant("x"); return nil }, nil
	}
	var out, errOut bytes.Buffer
	assert.Equal(t, ExitUsage, Exec(context.Background(), []string{"NaN"}, &out, &errOut, cmd))
	assert.Equal(t, "usage error: -rate: must be finite, got NaN\nrun with -h for the flags and their ranges\n", errOut.String())
	assert.False(t, ran)
	out.Reset()
	assert.Equal(t, ExitHeld, Exec(context.Background(), []string{"-h"}, &out, &errOut, cmd))
	assert.Equal(t, "flags: none\n", out.String())
	out.Reset()
	assert.Equal(t, ExitHeld, Exec(context.Background(), nil, &out, &errOut, cmd, HideMeasurements()))
	assert.True(t, ran)
}
