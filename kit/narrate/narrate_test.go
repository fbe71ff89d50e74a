package narrate

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMeasureShownByDefault(t *testing.T) {
	var out bytes.Buffer
	New(&out).Measure("consumer", "p99 %s", "3ms")
	assert.Equal(t, "[consumer] p99 3ms\n", out.String())
}

func TestRunExitStatus(t *testing.T) {
	tests := []struct {
		name    string
		demo    func(context.Context, *Narrator) error
		want    int
		wantOut string
		wantErr string
	}{
		{"held", func(_ context.Context, n *Narrator) error { n.Invariant("x"); return nil },
			ExitHeld, "[invariant] HELD: x\n", ""},
		{"violated", func(_ context.Context, n *Narrator) error { n.Invariant("x", "lost 3"); return nil },
			ExitViolated, "[invariant] VIOLATED: x: lost 3\n", ""},
		{"failed check then held", func(_ context.Context, n *Narrator) error {
			n.Check("c", false, "d")
			n.Invariant("x")
			return nil
		}, ExitViolated, "[check] c: d: FAILED\n[invariant] HELD: x\n", ""},
		{"no invariant", func(context.Context, *Narrator) error { return nil },
			ExitViolated, "[demo] error: the demo stated no invariant\n", ""},
		{"usage", func(context.Context, *Narrator) error { return Usagef("-rate must be > 0, got %d", -1) },
			ExitUsage, "", "usage error: -rate must be > 0, got -1\n"},
		{"error", func(context.Context, *Narrator) error { return errors.New("boom") },
			ExitViolated, "[demo] error: boom\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			got := run(context.Background(), &out, &errOut, tt.demo)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantOut, out.String())
			assert.Equal(t, tt.wantErr, errOut.String())
		})
	}
}
