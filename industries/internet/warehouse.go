package internet

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/patternlab/patternlab/industries/internet/eventtime"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// Warehouse is the analytics store: the windows, sessions and drops the
// pipeline writes (an eventtime.Sink), the checkpoint beside them, and the
// routes for what is not counted (late events to the late-data stream,
// malformed beacons to the dead letters). One Save is one transaction: the
// results and the checkpoint after them land together, or not at all.
type Warehouse struct {
	log         *Log
	deadLetters bool // false: malformed beacons are dropped without a dead letter (the switch)
	// Routed, when set, is told of each late event and dead letter the
	// store sends on (the lab's sequence view).
	Routed func(stream, what string, seq uint64)

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced by every Save
	barrier   uint64        // the latest barrier written
	sink      *eventtime.Sink
	firstPane map[uint64]time.Time // log record -> when a window result first counted it
}

// NewWarehouse is an empty store writing its routes to log.
func NewWarehouse(log *Log, deadLetters bool) *Warehouse {
	return &Warehouse{log: log, deadLetters: deadLetters, sink: eventtime.NewSink(), firstPane: map[uint64]time.Time{},
		changed: make(chan struct{})}
}

// SeqID is the line ID a rejection carries for a log record.
func SeqID(seq uint64) string { return strconv.FormatUint(seq, 10) }

// Save is the pipeline's store stage: route what was rejected, then write
// everything at once.
func (w *Warehouse) Save(ctx context.Context, outs []eventtime.Output, rejects []pipeline.Rejection) error {
	drops := make([]eventtime.Drop, 0, len(rejects))
	for _, r := range rejects {
		seq, err := strconv.ParseUint(r.LineID, 10, 64)
		if err != nil {
			return fmt.Errorf("rejection of %q: not a log sequence", r.LineID)
		}
		switch {
		case r.Kind == eventtime.Late:
			if err := w.log.RouteLate(ctx, seq, []byte(r.Raw)); err != nil {
				return err
			}
			w.routed(w.log.Names.Late, "late event", seq)
		case r.Kind == eventtime.Malformed && w.deadLetters:
			if err := w.log.DeadLetter(ctx, seq, []byte(r.Raw), r.Kind, r.Reason); err != nil {
				return err
			}
			w.routed(w.log.Names.Dead, r.Reason, seq)
		}
		drops = append(drops, eventtime.Drop{Seq: seq, Reason: r.Kind, Detail: r.Reason})
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sink.Apply(outs, drops)
	close(w.changed)
	w.changed = make(chan struct{})
	for _, o := range outs {
		w.barrier = max(w.barrier, o.Barrier)
		if o.Pane != nil {
			for _, s := range o.Pane.Seqs {
				if _, ok := w.firstPane[s]; !ok {
					w.firstPane[s] = now
				}
			}
		}
		if o.Add != nil {
			if _, ok := w.firstPane[o.Add.Seq]; !ok {
				w.firstPane[o.Add.Seq] = now
			}
		}
	}
	return nil
}

func (w *Warehouse) routed(stream, what string, seq uint64) {
	if w.Routed != nil {
		w.Routed(stream, what, seq)
	}
}

// Checkpoint is the latest checkpoint, or nil before the first.
func (w *Warehouse) Checkpoint() *eventtime.Checkpoint {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sink.Checkpoint()
}

// WaitBarrier waits until the store has written a barrier at seq or later,
// and so everything the window stage emitted before it.
func (w *Warehouse) WaitBarrier(ctx context.Context, seq uint64) error {
	for {
		w.mu.Lock()
		at, changed := w.barrier, w.changed
		w.mu.Unlock()
		if at >= seq {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Result is what the store holds now.
func (w *Warehouse) Result() eventtime.Result {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sink.Result()
}

// FirstCounted is when a window result first included log record seq.
func (w *Warehouse) FirstCounted(seq uint64) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.firstPane[seq]
	return t, ok
}
