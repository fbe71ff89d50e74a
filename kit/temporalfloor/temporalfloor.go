// Package temporalfloor is the anchor of the Temporal benchmarks: what a
// dev server needs per activity for a workflow that does nothing else. A
// floor workflow runs N activities that return at once, one after another
// (as a saga's steps run), as regular activities or as local activities
// (run inside the workflow task, without the server's task queue hop). A
// module's workflow benchmark is then stated per step as a ratio to it.
package temporalfloor

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Noop is the floor's activity: it returns at once.
func Noop(context.Context) error { return nil }

// Workflow runs steps Noop activities one after another, as local
// activities when local is set.
func Workflow(ctx workflow.Context, steps int, local bool) error {
	for range steps {
		var f workflow.Future
		if local {
			lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: time.Minute})
			f = workflow.ExecuteLocalActivity(lctx, Noop)
		} else {
			actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
			f = workflow.ExecuteActivity(actx, Noop)
		}
		if err := f.Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// Register adds the floor's workflow and activity to a worker.
func Register(w worker.Worker) {
	w.RegisterWorkflow(Workflow)
	w.RegisterActivity(Noop)
}

// Round is what one run of floor workflows measured.
type Round struct {
	Latencies []time.Duration // start to result, one per workflow, sorted
	Elapsed   time.Duration
}

// Percentile is the p-quantile of the latencies (0.5: the median).
func (r Round) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	return r.Latencies[int(p*float64(len(r.Latencies)-1))]
}

// Sorted returns r with its latencies sorted (after rounds are joined).
func Sorted(r Round) Round {
	r.Latencies = slices.Clone(r.Latencies)
	slices.Sort(r.Latencies)
	return r
}

// Run starts workflows floor workflows of steps activities on queue,
// inFlight at a time, waits for each and returns their latencies. idPrefix
// keeps workflow IDs apart between runs.
func Run(ctx context.Context, c client.Client, queue, idPrefix string, workflows, inFlight, steps int, local bool) (Round, error) {
	lat := make([]time.Duration, workflows)
	sem := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	start := time.Now()
	for i := range workflows {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			t0 := time.Now()
			run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("%s-%d", idPrefix, i), TaskQueue: queue}, Workflow, steps, local)
			if err == nil {
				err = run.Get(ctx, nil)
			}
			if err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("floor workflow %d: %w", i, err)
				}
				mu.Unlock()
				return
			}
			lat[i] = time.Since(t0)
		}()
	}
	wg.Wait()
	if first != nil {
		return Round{}, first
	}
	slices.Sort(lat)
	return Round{Latencies: lat, Elapsed: time.Since(start)}, nil
}
