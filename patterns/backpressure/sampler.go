package backpressure

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// Heap metrics read from runtime/metrics.
const (
	// metricLiveHeap is the heap marked live by the last GC: memory the
	// program holds on to, without the garbage waiting to be swept. It is the
	// number that grows without bound under an unbounded buffer.
	metricLiveHeap = "/gc/heap/live:bytes"
	// metricHeapObjects is live plus not-yet-swept objects (HeapAlloc).
	metricHeapObjects = "/memory/classes/heap/objects:bytes"
)

// SampleInterval is how often a run samples queue depth and heap.
const SampleInterval = 2 * time.Millisecond

// HeapSample is a reading of the heap.
type HeapSample struct {
	Live    uint64 // heap marked live by the last GC
	Objects uint64 // live and unswept objects (HeapAlloc)
}

// ReadHeap reads the heap metrics now.
func ReadHeap() HeapSample {
	s := []metrics.Sample{{Name: metricLiveHeap}, {Name: metricHeapObjects}}
	metrics.Read(s)
	return HeapSample{Live: value(s[0]), Objects: value(s[1])}
}

func value(s metrics.Sample) uint64 {
	if s.Value.Kind() == metrics.KindUint64 {
		return s.Value.Uint64()
	}
	return 0
}

// Baseline collects garbage and reads the heap: the reference a run's peak is
// measured against.
func Baseline() HeapSample {
	runtime.GC()
	return ReadHeap()
}

// Peaks are the highest readings of a sampling period.
type Peaks struct {
	Depth int
	Heap  HeapSample
}

// Sampler polls a depth function and the heap every SampleInterval and keeps
// the peaks. Start it with StartSampler and stop it with Stop, which returns
// the peaks.
type Sampler struct {
	depth func() int
	stop  chan struct{}
	done  chan struct{}
	mu    sync.Mutex
	peaks Peaks
}

// StartSampler begins sampling depth and the heap in a goroutine owned by the
// returned Sampler.
func StartSampler(depth func() int) *Sampler {
	s := &Sampler{depth: depth, stop: make(chan struct{}), done: make(chan struct{})}
	s.sample()
	go s.loop()
	return s
}

func (s *Sampler) loop() {
	defer close(s.done)
	t := time.NewTicker(SampleInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.sample()
		case <-s.stop:
			return
		}
	}
}

func (s *Sampler) sample() {
	d, h := s.depth(), ReadHeap()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peaks.Depth = max(s.peaks.Depth, d)
	s.peaks.Heap.Live = max(s.peaks.Heap.Live, h.Live)
	s.peaks.Heap.Objects = max(s.peaks.Heap.Objects, h.Objects)
}

// ObserveDepth records a depth read by the caller. Run calls it after
// every Offer: a queue only grows when a message is accepted, so the peak
// depth is exact instead of as good as the sampling interval.
func (s *Sampler) ObserveDepth(d int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peaks.Depth = max(s.peaks.Depth, d)
}

// Mark collects garbage and samples at once. Run calls it when the producer
// is done, which is when the backlog peaks: the live-heap reading, otherwise
// as old as the last GC, is then exact at the peak.
func (s *Sampler) Mark() {
	runtime.GC()
	s.sample()
}

// Stop takes a last sample, ends the goroutine and returns the peaks.
func (s *Sampler) Stop() Peaks {
	close(s.stop)
	<-s.done
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peaks
}
