package internet

import (
	"context"
	"errors"
	"fmt"

	"github.com/patternlab/patternlab/industries/internet/eventtime"
	"github.com/patternlab/patternlab/patterns/workflow/goroutines"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// The pipeline's stages, as rejections name them.
const (
	StageScreen pipeline.Stage = "screen"
	StageWindow pipeline.Stage = "window"
)

// ErrStageCrashed is the window stage dying on purpose, memory and all.
var ErrStageCrashed = errors.New("window stage crashed")

// Analytics is the streaming side: the log read from the last checkpoint,
// through screen → windows (watermark, lateness, dedupe, sessions,
// metrics) → store, on workflow's in-process pipeline of stages.
type Analytics struct {
	Log        *Log
	Store      *Warehouse
	Policy     eventtime.Policy
	Safeguards eventtime.Safeguards
	FilterBots bool
	// Buffer is each hand-off's capacity (goroutines.Unbounded for none).
	Buffer int
	// Batch is how many results the store writes at once.
	Batch int
	// Crash, when set, is asked after every record the window stage applies
	// whether to crash now; it is told the record, how many records the
	// stage applied since its last checkpoint and how many windows it holds.
	// The stage then sends a barrier and waits until the store has written
	// it: the store then holds the stage's last checkpoint and every result
	// since (the worst moment for a store that adds), so the restart is from
	// that checkpoint. It tells Crashed, and dies. Crash needs Batch 1: a
	// larger batch would hold the barrier back, waiting for results the
	// dying stage never sends.
	Crash   func(rec eventtime.Record, sinceCheckpoint, open int) bool
	Crashed func(cp *eventtime.Checkpoint, sinceCheckpoint, open int)
	// Restarted is told after each crash where the stage restarts.
	Restarted func(cp *eventtime.Checkpoint)
	// Skewed is told the first time the window stage corrects a device
	// clock by more than a minute.
	Skewed func(rec eventtime.Record, by int64)
}

// Run processes the log to its end marker, restarting the pipeline from the
// store's checkpoint each time the window stage crashes.
func (a *Analytics) Run(ctx context.Context) error {
	for {
		err := a.once(ctx)
		if !errors.Is(err, ErrStageCrashed) {
			return err
		}
		if a.Restarted != nil {
			a.Restarted(a.Store.Checkpoint())
		}
	}
}

// ErrCrashNeedsBatch1 is a Crash with a store batch larger than one.
var ErrCrashNeedsBatch1 = errors.New("a planned crash needs the store's batch of 1")

func (a *Analytics) once(ctx context.Context) error {
	if a.Crash != nil && a.Batch != 1 {
		return ErrCrashNeedsBatch1
	}
	cp := a.Store.Checkpoint()
	op, err := eventtime.NewOperator(a.Policy, a.Safeguards, cp)
	if err != nil {
		return err
	}
	from := uint64(1)
	if cp != nil {
		from = cp.Offset + 1
	}
	r := goroutines.Start(ctx, a.Buffer)
	entries := goroutines.Collect(r, func(ctx context.Context, emit func(entry) error) error {
		return a.Log.Read(ctx, from, emit)
	})
	screened := goroutines.Map(r, entries, 1, a.screen)
	results := goroutines.Then(r, screened, 1, a.window(op))
	goroutines.Store(r, results, a.Batch, a.Store.Save)
	return r.Wait()
}

// screened is a record that passed the screen, or the end of the log.
type screened struct {
	Rec eventtime.Record
	End uint64 // the end marker's sequence, or 0
}

func (a *Analytics) screen(_ context.Context, e entry) (screened, *pipeline.Rejection, error) {
	if e.End {
		return screened{End: e.Seq}, nil, nil
	}
	if e.Recv < 0 {
		return screened{}, &pipeline.Rejection{LineID: SeqID(e.Seq), Stage: StageScreen, Kind: eventtime.Malformed,
			Reason: ErrNoRecv.Error(), Raw: string(e.Raw)}, nil
	}
	rec, drop := eventtime.Screen(e.Logged, a.FilterBots)
	if drop != nil {
		return screened{}, &pipeline.Rejection{LineID: SeqID(e.Seq), Stage: StageScreen, Kind: drop.Reason,
			Reason: reasonText(*drop), Raw: string(e.Raw)}, nil
	}
	return screened{Rec: rec}, nil, nil
}

func reasonText(d eventtime.Drop) string {
	if d.Detail != "" {
		return d.Reason + ": " + d.Detail
	}
	return d.Reason
}

// window is the stateful stage: one goroutine owns the operator.
func (a *Analytics) window(op *eventtime.Operator) goroutines.Step[screened, eventtime.Output] {
	since := 0
	return goroutines.Step[screened, eventtime.Output]{
		Each: func(ctx context.Context, s screened, out goroutines.Emitter[eventtime.Output]) error {
			if s.End != 0 {
				return emitAll(out, s.Rec, op.End(s.End))
			}
			outs, err := op.Apply(s.Rec)
			if err != nil {
				return err
			}
			if a.Skewed != nil {
				if by := s.Rec.Event.TS - eventtime.EventTime(s.Rec); by > 60_000 || by < -60_000 {
					a.Skewed(s.Rec, by)
				}
			}
			since++
			for _, o := range outs {
				if o.Checkpoint != nil {
					since = 0
				}
			}
			if err := emitAll(out, s.Rec, outs); err != nil {
				return err
			}
			if a.Crash != nil && a.Crash(s.Rec, since, op.OpenWindows()) {
				if err := out.Emit(eventtime.Output{Barrier: s.Rec.Seq}); err != nil {
					return err
				}
				if err := a.Store.WaitBarrier(ctx, s.Rec.Seq); err != nil {
					return err
				}
				if a.Crashed != nil {
					a.Crashed(a.Store.Checkpoint(), since, op.OpenWindows())
				}
				return fmt.Errorf("after log record %d: %w", s.Rec.Seq, ErrStageCrashed)
			}
			return nil
		},
	}
}

func emitAll(out goroutines.Emitter[eventtime.Output], rec eventtime.Record, outs []eventtime.Output) error {
	for _, o := range outs {
		var err error
		if o.Drop != nil {
			err = out.Reject(pipeline.Rejection{LineID: SeqID(o.Drop.Seq), Stage: StageWindow, Kind: o.Drop.Reason,
				Reason: reasonText(*o.Drop), Raw: string(rec.Raw)})
		} else {
			err = out.Emit(o)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
