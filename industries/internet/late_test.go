package internet

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
)

// onSpike is the narration's writer that asks for a late burst, as the
// lab's button does, when the flash campaign starts.
type onSpike struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	n    *narrate.Narrator
	done chan error
	once sync.Once
}

func (w *onSpike) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.Contains(p, []byte("FAULT: the flash campaign starts")) {
		// Inject takes the narrator's lock, which this write holds.
		w.once.Do(func() { go func() { w.done <- w.n.Inject(FaultLateBurst) }() })
	}
	return w.buf.Write(p)
}

func (w *onSpike) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func lateBurstOnDemand(t *testing.T, cfg Config) (*narrate.Narrator, string) {
	t.Helper()
	w := &onSpike{done: make(chan error, 1)}
	w.n = narrate.New(w)
	require.NoError(t, Demo(context.Background(), w.n, cfg))
	require.NoError(t, <-w.done, "late-burst is on offer while the edge takes the day's beacons")
	assert.ErrorContains(t, w.n.Inject(FaultLateBurst), "no fault", "withdrawn once the edge has taken every beacon")
	out := w.String()
	require.Contains(t, out, "[devices] FAULT: 20 events from devices that were offline arrive at once (requested in the lab)")
	return w.n, out
}

// The lab's "late burst" button: twenty events from long before the
// watermark arrive at once mid-spike; each goes to the late stream (a
// check reads them there), the audit counts them among the beacons, the
// batch recomputation agrees, and the verdict, the last line, holds.
//
// Fault: reorder | target: 20 events from before the watermark minus the allowed lateness, sent at once mid-spike when the lab's button asks | invariant: every one of them is in the late stream, the stream equals the batch, the verdict is HELD
func TestLateBurstOnDemandIsRoutedLate(t *testing.T) {
	n, out := lateBurstOnDemand(t, DefaultConfig())
	assert.Regexp(t, `\[check\] late burst routed: 20 of the 20 events of the late bursts requested in the lab are in \S+: ok`, out)
	assert.Regexp(t, `\[check\] accounted: (\d+) of (\d+) beacons in the log; .*: ok`, out)
	last := labtest.LastLine(out)
	assert.True(t, strings.HasPrefix(last, "[invariant] HELD"), last)
	assert.True(t, n.Held(), "failures: %v", n.Failures())
}

// With -late-route=false the burst is dropped without a word: none of its
// events is in the late stream, and the verdict is VIOLATED.
//
// Fault: reorder | target: a late burst requested from the lab, with -late-route=false | invariant: broken on purpose: none of them is in the late stream, the verdict is VIOLATED
func TestLateBurstOnDemandWithoutTheLateRouteIsViolated(t *testing.T) {
	cfg := DefaultConfig()
	cfg.LateRoute = false
	n, out := lateBurstOnDemand(t, cfg)
	assert.Regexp(t, `\[check\] late burst routed: 0 of the 20 .*: FAILED`, out)
	last := labtest.LastLine(out)
	assert.True(t, strings.HasPrefix(last, "[invariant] VIOLATED"), last)
	assert.Contains(t, last, "late burst routed")
	assert.False(t, n.Held())
}
