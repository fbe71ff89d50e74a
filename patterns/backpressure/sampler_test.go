package backpressure

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The live heap is only read after a GC. With collections rare (here: off),
// 32 MiB held for a while and let go again never shows in the readings of a
// sampler that only reads, and a bound of 4 MiB looks kept. Told the bound,
// the sampler sees the heap in use pass it, collects, and reads the truth.
// (The catch-up without a credit window is this shape: its peak comes
// mid-drain, not when a GC happens to run.)
func TestSamplerSeesALivePeakBetweenCollections(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const bound, held = 4 << 20, 32 << 20
	for _, tt := range []struct {
		name  string
		bound uint64
		sees  bool
	}{
		{"reading only", 0, false},
		{"watching the bound", bound, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base := Baseline()
			s := StartSampler(func() int { return 0 }, base, tt.bound)
			peak := make([]byte, held)
			for i := range peak {
				peak[i] = byte(i) // touch it: real memory, not a lazy mapping
			}
			if tt.sees {
				require.Eventually(t, func() bool { return s.Forced() > 0 }, 10*time.Second, time.Millisecond,
					"the sampler collects once the heap in use passes baseline + bound")
			} else {
				require.Eventually(t, func() bool { return s.taken() >= 20 }, 10*time.Second, time.Millisecond,
					"the sampler reads 20 times")
				assert.Zero(t, s.Forced(), "and collects never")
			}
			runtime.KeepAlive(peak)
			peak = nil
			runtime.GC() // gone again before the sampler stops
			p := s.Stop()
			growth := p.Heap.Live - min(p.Heap.Live, base.Live)
			if tt.sees {
				assert.Greater(t, growth, uint64(held)*9/10, "the peak held while it was live")
			} else {
				assert.Less(t, growth, uint64(held), "without the watch the peak came and went unseen")
			}
		})
	}
}

func (s *Sampler) taken() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}
