package internet

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
	"github.com/patternlab/patternlab/patterns/backpressure"
)

// Edge is where the beacons arrive: it takes them on their schedule (the
// day's traffic, played faster than real time) and writes them to the log
// through a backpressure strategy. The log writer has a capacity of Rate
// beacons a second; when the traffic is faster, a bounded strategy makes the
// edge wait before it takes the next beacon (the beacon is delayed, not
// lost), and an unbounded one queues them in memory.
type Edge struct {
	Strategy backpressure.Strategy
	Log      *Log
	Rate     float64 // what the log writer handles, beacons/s
	Window   int     // beacons the log writer may have unacknowledged
	Speed    float64 // simulated milliseconds per real millisecond
	// SpikeFrom is the receive time (Unix ms) the spike starts at; Spiking
	// is called when the edge takes its first beacon.
	SpikeFrom int64
	Spiking   func()
	// Held, when set, is told how many beacons the edge holds, every
	// hundred beacons taken (the lab's chart).
	Held func(beacons int)

	held held
}

// EdgeStats is what the edge measured, from outside the strategy: beacons
// held (taken from the traffic, counted as the strategy accepted them, and
// not yet acknowledged by the log, counted as the log's acknowledgement
// came back), the heap, and how long beacons waited to be taken.
type EdgeStats struct {
	Offered   int
	PeakHeld  int           // most beacons held at once between the two ends
	PeakBytes int64         // most bytes of beacons held at once
	PeakHeap  uint64        // peak growth of the live heap over the baseline while the edge ran (the whole process's)
	MaxDelay  time.Duration // longest a beacon waited past its scheduled arrival to be taken
	Delayed   int           // beacons taken more than 100 ms late
	Capacity  int
	OfferedAt []time.Time // when each beacon was taken, by index
}

// held counts beacons at the edge's two ends, outside the strategy.
type held struct {
	beacons, bytes         atomic.Int64
	peakBeacons, peakBytes atomic.Int64
}

func (h *held) take(size int) {
	n, b := h.beacons.Add(1), h.bytes.Add(int64(size))
	raise(&h.peakBeacons, n)
	raise(&h.peakBytes, b)
}

func (h *held) written(size int) {
	h.beacons.Add(-1)
	h.bytes.Add(-int64(size))
}

func raise(peak *atomic.Int64, v int64) {
	for {
		old := peak.Load()
		if v <= old || peak.CompareAndSwap(old, v) {
			return
		}
	}
}

// The payload of a message between the edge and its log writer: the
// message ID (backpressure.HeaderSize bytes), the receive time, the beacon.
const recvSize = 8

func encodeBeacon(id uint64, b clickstream.Beacon) backpressure.Message {
	p := make([]byte, backpressure.HeaderSize+recvSize+len(b.Raw))
	binary.BigEndian.PutUint64(p, id)
	binary.BigEndian.PutUint64(p[backpressure.HeaderSize:], uint64(b.Recv))
	copy(p[backpressure.HeaderSize+recvSize:], b.Raw)
	return backpressure.Message{ID: id, Payload: p, Delivery: 1}
}

func decodeBeacon(m backpressure.Message) (clickstream.Beacon, error) {
	if err := m.Verify(); err != nil {
		return clickstream.Beacon{}, err
	}
	if len(m.Payload) < backpressure.HeaderSize+recvSize {
		return clickstream.Beacon{}, fmt.Errorf("message %d: %w", m.ID, backpressure.ErrMalformed)
	}
	p := m.Payload[backpressure.HeaderSize:]
	return clickstream.Beacon{Recv: int64(binary.BigEndian.Uint64(p)), Raw: p[recvSize:]}, nil
}

// Ingest plays the beacons through the edge into the log, then writes the
// end marker.
func (e *Edge) Ingest(ctx context.Context, beacons []clickstream.Beacon) (EdgeStats, error) {
	st := EdgeStats{Capacity: e.Strategy.Capacity(), OfferedAt: make([]time.Time, len(beacons))}
	if len(beacons) == 0 {
		return st, e.Log.End(ctx)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The log writer publishes without waiting for each acknowledgement,
	// with at most Window beacons unacknowledged; the acker counts a beacon
	// written when the log's acknowledgement arrives.
	pending := make(chan pendingAppend, max(e.Window, 1))
	acked := make(chan error, 1)
	go func() { acked <- e.ack(ctx, pending) }()
	served := make(chan error, 1)
	go func() {
		defer close(pending)
		served <- e.Strategy.Serve(ctx, backpressure.Paced(e.Rate, func(ctx context.Context, m backpressure.Message) error {
			b, err := decodeBeacon(m)
			if err != nil {
				return err
			}
			f, err := e.Log.AppendAsync(b)
			if err != nil {
				return err
			}
			select {
			case pending <- pendingAppend{f, len(b.Raw)}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}))
	}()

	base := backpressure.Baseline()
	sampler := backpressure.StartSampler(e.Strategy.Depth, base, 0)
	offerErr := e.offer(ctx, beacons, &st)
	st.PeakHeld, st.PeakBytes = int(e.held.peakBeacons.Load()), e.held.peakBytes.Load()
	sampler.Mark()
	e.Strategy.Close()
	if offerErr != nil {
		cancel()
	}
	serveErr := <-served
	if serveErr != nil {
		cancel()
	}
	serveErr = errors.Join(serveErr, <-acked)
	peaks := sampler.Stop()
	st.PeakHeld, st.PeakBytes = int(e.held.peakBeacons.Load()), e.held.peakBytes.Load()
	if peaks.Heap.Live > base.Live {
		st.PeakHeap = peaks.Heap.Live - base.Live
	}
	if err := errors.Join(offerErr, serveErr); err != nil {
		return st, fmt.Errorf("edge: %w", err)
	}
	return st, e.Log.End(ctx)
}

type pendingAppend struct {
	f    jetstream.PubAckFuture
	size int
}

// ack waits for the log's acknowledgement of each append, in order.
func (e *Edge) ack(ctx context.Context, pending <-chan pendingAppend) error {
	for p := range pending {
		select {
		case <-p.f.Ok():
			e.held.written(p.size)
		case err := <-p.f.Err():
			return fmt.Errorf("append: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (e *Edge) offer(ctx context.Context, beacons []clickstream.Beacon, st *EdgeStats) error {
	start, first := time.Now(), beacons[0].Recv
	timer := time.NewTimer(0)
	defer timer.Stop()
	var spiked sync.Once
	for i, b := range beacons {
		due := start.Add(time.Duration(float64(b.Recv-first) / e.Speed * float64(time.Millisecond)))
		if wait := time.Until(due); wait > time.Millisecond {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if b.Recv >= e.SpikeFrom && e.Spiking != nil {
			spiked.Do(e.Spiking)
		}
		// Counted before the offer: the log may acknowledge the beacon
		// before Offer returns.
		e.held.take(len(b.Raw))
		if err := e.Strategy.Offer(ctx, encodeBeacon(uint64(i), b)); err != nil {
			return fmt.Errorf("offer beacon %d: %w", i, err)
		}
		now := time.Now()
		st.OfferedAt[i] = now
		st.Offered++
		if e.Held != nil && i%100 == 0 {
			e.Held(int(e.held.beacons.Load()))
		}
		if late := now.Sub(due); late > 100*time.Millisecond {
			st.Delayed++
			st.MaxDelay = max(st.MaxDelay, late)
		}
	}
	return nil
}
