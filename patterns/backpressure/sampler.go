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
	// Backlog is the peak of the depth function: in Run, the ledger's
	// count of accepted messages not yet processed.
	Backlog int
	Heap    HeapSample
}

// minForcedGC spaces the collections the sampler forces while it watches
// a bound: at most one every so often, so watching costs little.
const minForcedGC = 20 * time.Millisecond

// Sampler polls a depth function and the heap every SampleInterval and keeps
// the peaks. Start it with StartSampler and stop it with Stop, which returns
// the peaks.
//
// The live heap is only known after a GC, and the runtime collects when the
// heap doubles: a live growth above a bound could come and go between two
// collections. So when told a bound, the sampler watches the heap in use
// (live plus garbage), which it can read at any time: while that stays
// within baseline + bound the live heap does too; when it goes past, the
// sampler collects garbage and reads the live heap at once, until it has
// seen the bound exceeded.
//
// A reading over the bound counts only once a second collection confirms
// it. The live heap the runtime reports is what its last cycle marked, and a
// cycle that runs while the producer allocates also marks what was allocated
// during it (garbage a moment later): on a loaded machine, without -race, a
// bounded strategy read +13 MiB over a 12.1 MiB bound that way, and 1.4 MiB
// after one more collection. Held messages survive the second collection, so
// a strategy that really keeps the backlog is still read over the bound.
type Sampler struct {
	depth    func() int
	baseline uint64 // live heap the bound is counted from
	bound    uint64 // 0: no watch
	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	peaks    Peaks
	forced   int // collections forced by the watch
	// lastConfirm is when confirm last collected to check a reading.
	lastConfirm time.Time
	read        func() HeapSample // ReadHeap, but for confirm's test
	samples     int
}

// StartSampler begins sampling depth and the heap in a goroutine owned by the
// returned Sampler. With bound > 0 it watches the live heap's growth over
// baseline against bound, as described on Sampler.
func StartSampler(depth func() int, baseline HeapSample, bound uint64) *Sampler {
	s := &Sampler{depth: depth, baseline: baseline.Live, bound: bound, read: ReadHeap, stop: make(chan struct{}), done: make(chan struct{})}
	s.record(depth(), ReadHeap())
	go s.loop()
	return s
}

func (s *Sampler) loop() {
	defer close(s.done)
	t := time.NewTicker(SampleInterval)
	defer t.Stop()
	var lastForced time.Time
	for {
		select {
		case <-t.C:
			d, h := s.depth(), ReadHeap()
			if s.mayExceed(h) && time.Since(lastForced) >= minForcedGC {
				runtime.GC()
				lastForced = time.Now()
				h = ReadHeap()
				s.mu.Lock()
				s.forced++
				s.mu.Unlock()
			}
			s.record(d, s.confirm(h))
		case <-s.stop:
			return
		}
	}
}

// mayExceed reports whether the live heap could be over the bound without
// the last GC's reading showing it yet.
func (s *Sampler) mayExceed(h HeapSample) bool {
	if s.bound == 0 || h.Objects <= s.baseline+s.bound {
		return false // live <= in use <= baseline + bound
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peaks.Heap.Live <= s.baseline+s.bound // not yet seen over it
}

// confirm returns h, or, when h reads the live heap over the watched bound,
// the reading after one more collection (see Sampler). Collections are
// spaced by minForcedGC: a reading over the bound in between does not raise
// the peak (it keeps the last confirmed one).
func (s *Sampler) confirm(h HeapSample) HeapSample {
	if s.bound == 0 || h.Live <= s.baseline+s.bound {
		return h
	}
	s.mu.Lock()
	recent, peak := time.Since(s.lastConfirm) < minForcedGC, s.peaks.Heap.Live
	s.mu.Unlock()
	if recent {
		return HeapSample{Live: min(h.Live, peak), Objects: h.Objects}
	}
	runtime.GC()
	again := s.read()
	s.mu.Lock()
	s.forced++
	s.lastConfirm = time.Now()
	s.mu.Unlock()
	return HeapSample{Live: again.Live, Objects: max(h.Objects, again.Objects)}
}

func (s *Sampler) record(d int, h HeapSample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples++
	s.peaks.Backlog = max(s.peaks.Backlog, d)
	s.peaks.Heap.Live = max(s.peaks.Heap.Live, h.Live)
	s.peaks.Heap.Objects = max(s.peaks.Heap.Objects, h.Objects)
}

// ObserveDepth records a depth read by the caller. Run calls it after
// every accepted Offer: the backlog only grows when a message is accepted,
// so the peak is exact instead of as good as the sampling interval.
func (s *Sampler) ObserveDepth(d int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peaks.Backlog = max(s.peaks.Backlog, d)
}

// Mark collects garbage and samples at once. Run calls it when the producer
// is done, which is when the backlog peaks: the live-heap reading, otherwise
// as old as the last GC, is then exact at the peak.
func (s *Sampler) Mark() {
	runtime.GC()
	s.record(s.depth(), s.confirm(ReadHeap()))
}

// Stop takes a last sample, ends the goroutine and returns the peaks.
func (s *Sampler) Stop() Peaks {
	close(s.stop)
	<-s.done
	s.record(s.depth(), s.confirm(ReadHeap()))
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peaks
}

// Forced is how many collections the bound watch forced.
func (s *Sampler) Forced() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forced
}
