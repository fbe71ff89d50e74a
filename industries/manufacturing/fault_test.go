package manufacturing_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	manufacturing "github.com/patternlab/patternlab/industries/manufacturing"
	"github.com/patternlab/patternlab/kit/narrate"
)

func runDemo(t *testing.T, cfg manufacturing.Config) (string, bool) {
	t.Helper()
	var out bytes.Buffer
	n := narrate.New(&out)
	require.NoError(t, manufacturing.Demo(context.Background(), n, cfg))
	return out.String(), n.Held()
}

// Seven shifts with a third of the readings delivered twice, all out of
// order: the hub's OEE still equals the recomputation for every line and
// shift, over several seeds.
func TestHeavyRedeliveryKeepsOEEExact(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		cfg := manufacturing.DefaultConfig()
		cfg.Seed, cfg.Shifts, cfg.Copies = seed, 7, 0.33
		out, held := runDemo(t, cfg)
		assert.True(t, held, "seed %d:\n%s", seed, out)
		assert.Contains(t, out, "28 of 28 line-shifts equal to the recomputation: ok")
	}
}

// Without the dedupe, every line and shift that received a copy is named,
// with its inflated count against the true one.
func TestWithoutDedupeEveryInflatedShiftIsNamed(t *testing.T) {
	cfg := manufacturing.DefaultConfig()
	cfg.Copies, cfg.Dedupe = 0.5, false
	out, held := runDemo(t, cfg)
	require.False(t, held)
	last := out[strings.LastIndex(strings.TrimRight(out, "\n"), "\n")+1:]
	assert.Contains(t, last, "[invariant] VIOLATED")
	assert.Equal(t, 12, strings.Count(last, "readings, want"), "all 12 line-shifts got copies:\n%s", last)
}
