package durable

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"

	"github.com/patternlab/patternlab/patterns/workflow/durable/workflows"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// Activities are the stages as Temporal activities, registered under the
// stage names. They hold what a worker process owns: its sink and the stage
// configuration.
type Activities struct {
	Sink  *pipeline.Sink
	Stage pipeline.StageConfig
}

// heartbeatEvery spaces heartbeats: often enough to stay well inside the
// heartbeat timeout, rarely enough not to serialize the progress per record.
const heartbeatEvery = 100 * time.Millisecond

// Register registers the workflows and the activities on w, the activities
// under their stage names.
func (a *Activities) Register(w worker.Registry) {
	w.RegisterWorkflow(workflows.BatchWorkflow)
	w.RegisterWorkflow(workflows.PartitionWorkflow)
	w.RegisterActivityWithOptions(a.Collect, activity.RegisterOptions{Name: string(pipeline.Collect)})
	w.RegisterActivityWithOptions(a.Clean, activity.RegisterOptions{Name: string(pipeline.Clean)})
	w.RegisterActivityWithOptions(a.Analyze, activity.RegisterOptions{Name: string(pipeline.Analyze)})
	w.RegisterActivityWithOptions(a.Store, activity.RegisterOptions{Name: string(pipeline.Store)})
}

// Collect reads the partition's slice of the export.
func (a *Activities) Collect(_ context.Context, in workflows.CollectInput) ([]pipeline.Line, error) {
	return pipeline.ReadSource(in.Source, in.From, in.To)
}

// Clean parses and validates every line of the slice.
func (a *Activities) Clean(_ context.Context, lines []pipeline.Line) (workflows.CleanOutput, error) {
	var out workflows.CleanOutput
	for _, l := range lines {
		if c, rej := pipeline.CleanLine(l); rej != nil {
			out.Rejects = append(out.Rejects, *rej)
		} else {
			out.Readings = append(out.Readings, c)
		}
	}
	return out, nil
}

// AnalyzeProgress is the analyze activity's heartbeat: how far it got, and
// what it found so far. A retried attempt starts from the last one the
// server recorded instead of from the first reading.
type AnalyzeProgress struct {
	Next    int                  `json:"next"`
	Results []pipeline.Result    `json:"results"`
	Rejects []pipeline.Rejection `json:"rejects"`
}

// Analyze scores every reading of the slice, heartbeating its progress.
func (a *Activities) Analyze(ctx context.Context, readings []pipeline.Cleaned) (workflows.AnalyzeOutput, error) {
	var p AnalyzeProgress
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &p) // none usable: start over
	}
	out := workflows.AnalyzeOutput{Attempt: activity.GetInfo(ctx).Attempt, ResumedAt: p.Next}
	last := time.Now()
	for i := p.Next; i < len(readings); i++ {
		res, rej, err := a.Stage.AnalyzeWithRetry(ctx, readings[i])
		if err != nil {
			return workflows.AnalyzeOutput{}, err // cancelled: the server retries the attempt
		}
		if rej != nil {
			p.Rejects = append(p.Rejects, *rej)
		} else {
			p.Results = append(p.Results, res)
		}
		p.Next = i + 1
		if time.Since(last) >= heartbeatEvery {
			activity.RecordHeartbeat(ctx, p)
			last = time.Now()
		}
	}
	out.Results, out.Rejects = p.Results, p.Rejects
	return out, nil
}

// storeChunk is how many rows one transaction of the store activity writes.
const storeChunk = 100

// Store upserts the slice's results and rejections chunk by chunk,
// heartbeating the chunks done. A retry resumes at the next chunk; if it
// repeats one, the upsert absorbs it. While a save waits for the database
// (the partitions share one SQLite writer; a real store has locks and slow
// disks) it goes on heartbeating: a slow save is not a dead worker, and
// taking it for one would retry it into the load that made it slow.
func (a *Activities) Store(ctx context.Context, in workflows.StoreInput) error {
	next := 0
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &next)
	}
	total := len(in.Results) + len(in.Rejects)
	for i := next; i < total; i += storeChunk {
		j := min(i+storeChunk, total)
		results, rejects := chunk(in.Results, i, j), chunk(in.Rejects, i-len(in.Results), j-len(in.Results))
		if err := heartbeatWhile(ctx, i, func() error { return a.Sink.Save(ctx, results, rejects) }); err != nil {
			return err
		}
		activity.RecordHeartbeat(ctx, j)
	}
	return nil
}

// heartbeatWhile runs f, heartbeating details (where a retry would resume)
// every heartbeatEvery until f returns.
func heartbeatWhile(ctx context.Context, details any, f func() error) error {
	done := make(chan struct{})
	var beating sync.WaitGroup
	beating.Go(func() {
		t := time.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx, details)
			}
		}
	})
	err := f()
	close(done)
	beating.Wait()
	return err
}

// chunk is s[from:to] clipped to s.
func chunk[T any](s []T, from, to int) []T {
	from, to = max(from, 0), min(to, len(s))
	if from >= to {
		return nil
	}
	return s[from:to]
}
