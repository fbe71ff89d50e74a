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

// A reading over the bound counts only if the collection after it still
// reads the heap over: a cycle that ran while the producer allocated marked
// the garbage of that moment live. Between confirmations, an unconfirmed
// reading keeps the last confirmed peak.
func TestSamplerCountsAReadingOverTheBoundOnlyIfConfirmed(t *testing.T) {
	const baseline, bound = 10 << 20, 12 << 20
	over := HeapSample{Live: baseline + bound + 2<<20, Objects: 40 << 20}
	for _, tt := range []struct {
		name  string
		again uint64 // the live heap the confirming collection reads
		want  uint64
	}{
		{"garbage a moment later", baseline + 1<<20, baseline + 1<<20},
		{"held: still over", over.Live, over.Live},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &Sampler{baseline: baseline, bound: bound, read: func() HeapSample { return HeapSample{Live: tt.again} }}
			got := s.confirm(over)
			assert.Equal(t, tt.want, got.Live)
			assert.Equal(t, over.Objects, got.Objects, "the heap in use keeps its peak")
			assert.Equal(t, 1, s.Forced())
			s.record(0, got)
			later := s.confirm(HeapSample{Live: over.Live + 5<<20})
			assert.Equal(t, min(tt.want, over.Live+5<<20), later.Live, "an unconfirmed reading right after does not raise the peak")
			assert.Equal(t, 1, s.Forced(), "collections stay spaced by minForcedGC")
		})
	}
	under := HeapSample{Live: baseline + 1<<20}
	s := &Sampler{baseline: baseline, bound: bound, read: func() HeapSample { t.Fatal("a reading within the bound needs no confirming"); return HeapSample{} }}
	assert.Equal(t, under, s.confirm(under))
}
