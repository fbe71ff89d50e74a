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
	// Slowest is the ID of the workflow that took longest (the straggler,
	// whose history Breakdown explains), SlowestLatency its latency.
	Slowest        string
	SlowestLatency time.Duration
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
	return RunLoad(ctx, c, Load{Queue: queue, IDPrefix: idPrefix, Workflows: workflows, InFlight: inFlight, Steps: steps, Local: local})
}

// Load is one run of floor workflows.
type Load struct {
	Queue     string
	IDPrefix  string // keeps workflow IDs apart between runs
	Workflows int    // how many, in all
	InFlight  int    // how many at once
	Steps     int    // activities per workflow
	Local     bool   // local activities instead
	// EagerStart asks the server to hand the first workflow task back in
	// the start call's reply (client.StartWorkflowOptions.EnableEagerStart),
	// to a worker of c's on Queue.
	EagerStart bool
}

// RunLoad starts l's workflows, waits for each and returns their latencies.
func RunLoad(ctx context.Context, c client.Client, l Load) (Round, error) {
	lat := make([]time.Duration, l.Workflows)
	sem := make(chan struct{}, l.InFlight)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	start := time.Now()
	for i := range l.Workflows {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			t0 := time.Now()
			o := client.StartWorkflowOptions{ID: workflowID(l.IDPrefix, i), TaskQueue: l.Queue, EnableEagerStart: l.EagerStart}
			run, err := c.ExecuteWorkflow(ctx, o, Workflow, l.Steps, l.Local)
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
	r := Round{Latencies: lat, Elapsed: time.Since(start)}
	slowest := 0
	for i, d := range lat {
		if d > lat[slowest] {
			slowest = i
		}
	}
	r.Slowest, r.SlowestLatency = workflowID(l.IDPrefix, slowest), lat[slowest]
	slices.Sort(lat)
	return r, nil
}

func workflowID(prefix string, i int) string { return fmt.Sprintf("%s-%d", prefix, i) }
