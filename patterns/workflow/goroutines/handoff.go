package goroutines

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// Run is one run of a pipeline of stages in this process: a goroutine (or
// several) per stage, joined by hand-offs, all owned by one errgroup. The
// first error cancels the context, every stage stops, and Wait returns that
// error after all of them have exited.
//
//	r := goroutines.Start(ctx, 64)
//	lines := goroutines.Collect(r, scan)
//	cleaned := goroutines.Map(r, lines, 1, clean)
//	goroutines.Store(r, cleaned, 128, sink.Save)
//	err := r.Wait()
type Run struct {
	ctx    context.Context
	g      *errgroup.Group
	buffer int
	probe  Probe
}

// Unbounded, as the buffer of Start, makes every hand-off a queue without a
// limit: a slow stage then lets the stages before it pile their whole input
// up in memory. It is the bound the in-process pipeline depends on,
// switched off (the demo's -bounded=false).
const Unbounded = -1

// Start begins a run whose hand-offs each hold up to buffer records (or
// Unbounded). The stages are added with Collect, Map, Then and Store.
func Start(ctx context.Context, buffer int) *Run {
	g, ctx := errgroup.WithContext(ctx)
	return &Run{ctx: ctx, g: g, buffer: buffer}
}

// Wait waits for every stage to finish and returns the first error.
func (r *Run) Wait() error { return r.g.Wait() }

// Probe is what the run counted at its two ends: records collected from the
// source and records settled (committed to the sink, stored or rejected).
func (r *Run) Probe() *Probe { return &r.probe }

// Item is what travels on a hand-off: a record, or the rejection of the
// record it would have been. A rejection passes the later stages untouched
// on its way to the store.
type Item[T any] struct {
	Record T
	Reject *pipeline.Rejection
}

// Handoff is the channel from one stage to the next.
type Handoff[T any] struct{ ch <-chan Item[T] }

// handoff makes the channel between two stages: bounded, or, for
// Unbounded, an unbuffered channel each side with a relay goroutine that
// queues without limit between them.
func handoff[T any](r *Run) (chan<- Item[T], *Handoff[T]) {
	if r.buffer != Unbounded {
		ch := make(chan Item[T], max(r.buffer, 0))
		return ch, &Handoff[T]{ch: ch}
	}
	in, out := make(chan Item[T]), make(chan Item[T])
	r.g.Go(func() error {
		defer close(out)
		var queue []Item[T]
		for in != nil || len(queue) > 0 {
			var send chan Item[T]
			var next Item[T]
			if len(queue) > 0 {
				send, next = out, queue[0]
			}
			select {
			case it, ok := <-in:
				if !ok {
					in = nil
					continue
				}
				queue = append(queue, it)
			case send <- next:
				queue = queue[1:]
			case <-r.ctx.Done():
				return r.ctx.Err()
			}
		}
		return nil
	})
	return in, &Handoff[T]{ch: out}
}

// send hands v on, or gives up when the run is cancelled: a stage never
// blocks forever on a stage that has stopped.
func send[T any](ctx context.Context, ch chan<- T, v T) error {
	select {
	case ch <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Collect is the first stage: collect reads the source and hands each
// record to emit, which blocks while the hand-off is full. The records it
// emits are counted as collected.
func Collect[T any](r *Run, collect func(ctx context.Context, emit func(T) error) error) *Handoff[T] {
	out, h := handoff[T](r)
	r.g.Go(func() error {
		defer close(out)
		return collect(r.ctx, func(v T) error {
			if err := send(r.ctx, out, Item[T]{Record: v}); err != nil {
				return err
			}
			r.probe.collect()
			return nil
		})
	})
	return h
}

// Emitter is how a stage of Then hands on what it makes of a record.
type Emitter[T any] struct {
	ctx context.Context
	out chan<- Item[T]
}

// Emit hands a record to the next stage.
func (e Emitter[T]) Emit(v T) error { return send(e.ctx, e.out, Item[T]{Record: v}) }

// Reject sends a rejection on towards the store.
func (e Emitter[T]) Reject(rej pipeline.Rejection) error {
	return send(e.ctx, e.out, Item[T]{Reject: &rej})
}

// Step is the body of a stage for Then. Each is called for every record
// that reaches the stage and may emit any number of records or rejections;
// End, when set, is called once per goroutine of the stage after the last
// record (a stage that holds records back, a window, emits what it still
// holds).
type Step[In, Out any] struct {
	Each func(ctx context.Context, in In, out Emitter[Out]) error
	End  func(ctx context.Context, out Emitter[Out]) error
}

// Then adds a stage of n goroutines that share the records of in (n < 1
// means 1). Its output closes when the last of them is done.
func Then[In, Out any](r *Run, in *Handoff[In], n int, step Step[In, Out]) *Handoff[Out] {
	out, h := handoff[Out](r)
	emit := Emitter[Out]{ctx: r.ctx, out: out}
	var running sync.WaitGroup
	running.Add(max(n, 1))
	for range max(n, 1) {
		r.g.Go(func() error {
			defer running.Done()
			for it := range in.ch {
				var err error
				if it.Reject != nil {
					err = send(r.ctx, out, Item[Out]{Reject: it.Reject})
				} else {
					err = step.Each(r.ctx, it.Record, emit)
				}
				if err != nil {
					return err
				}
			}
			if step.End != nil {
				return step.End(r.ctx, emit)
			}
			return nil
		})
	}
	r.g.Go(func() error { // the last goroutine out closes the next stage's input
		running.Wait()
		close(out)
		return nil
	})
	return h
}

// Map adds a stage that turns each record into one record or one
// rejection: the common case of Then. An error stops the run.
func Map[In, Out any](r *Run, in *Handoff[In], n int, f func(context.Context, In) (Out, *pipeline.Rejection, error)) *Handoff[Out] {
	return Then(r, in, n, Step[In, Out]{Each: func(ctx context.Context, v In, out Emitter[Out]) error {
		res, rej, err := f(ctx, v)
		switch {
		case err != nil:
			return err
		case rej != nil:
			return out.Reject(*rej)
		}
		return out.Emit(res)
	}})
}

// Store is the last stage: it saves the records and rejections of in in
// batches of up to batch, one save call each, and counts them settled once
// save returns.
func Store[T any](r *Run, in *Handoff[T], batch int, save func(context.Context, []T, []pipeline.Rejection) error) {
	batch = max(batch, 1)
	r.g.Go(func() error {
		var records []T
		var rejects []pipeline.Rejection
		flush := func() error {
			if err := save(r.ctx, records, rejects); err != nil {
				return err
			}
			r.probe.settle(len(records) + len(rejects))
			records, rejects = records[:0], rejects[:0]
			return nil
		}
		for it := range in.ch {
			if it.Reject != nil {
				rejects = append(rejects, *it.Reject)
			} else {
				records = append(records, it.Record)
			}
			if len(records)+len(rejects) >= batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	})
}
