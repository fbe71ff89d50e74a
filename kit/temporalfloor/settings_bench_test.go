package temporalfloor_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/kit/temporalfloor"
)

// setting is one variant of the dev server and its worker: what
// BenchmarkDevServerSettings measures, each alone on the stock server and
// then all together.
type setting struct {
	name       string
	stock      bool              // start from the CLI's own dynamic config
	config     map[string]string // over it
	worker     func(*worker.Options)
	eagerStart bool
}

// lab picks keys of temporaldev.LabDynamicConfig with the lab's values, so
// a stock+ variant measures exactly the lab's setting; a key the lab does
// not have panics (the variant list fell behind the config).
func lab(keys ...string) map[string]string {
	all := temporaldev.LabDynamicConfig()
	out := map[string]string{}
	for _, k := range keys {
		v, ok := all[k]
		if !ok {
			panic("not a key of temporaldev.LabDynamicConfig: " + k)
		}
		out[k] = v
	}
	return out
}

func pollers(n int) func(*worker.Options) {
	return func(o *worker.Options) {
		o.MaxConcurrentActivityTaskPollers, o.MaxConcurrentWorkflowTaskPollers = n, n
	}
}

func noEagerActivities(o *worker.Options) { o.DisableEagerActivities = true }

var settings = []setting{
	{name: "stock", stock: true},
	{name: "stock+transfer-rps", stock: true, config: lab("history.transferProcessorMaxPollRPS")},
	{name: "stock+one-partition", stock: true, config: lab("matching.numTaskqueueReadPartitions", "matching.numTaskqueueWritePartitions")},
	{name: "stock+eager-activities", stock: true, config: lab("system.enableActivityEagerExecution")},
	{name: "stock+pollers-8", stock: true, worker: pollers(8)},
	{name: "stock+eager-start", stock: true, eagerStart: true},
	{name: "lab"},
	{name: "lab-transfer-rps", config: map[string]string{"history.transferProcessorMaxPollRPS": "20"}},
	{name: "lab-one-partition", config: map[string]string{"matching.numTaskqueueReadPartitions": "4", "matching.numTaskqueueWritePartitions": "4"}},
	{name: "lab-eager-activities", worker: noEagerActivities},
	{name: "lab+pollers-8", worker: pollers(8)},
	{name: "lab+eager-start", eagerStart: true},
}

// BenchmarkDevServerSettings measures what each dev server setting of
// temporaldev.LabDynamicConfig (and each worker option) does to the floor
// workflow of three no-op activities: one workflow at a time (serial) and
// 32 at once (concurrent-32), per activity step, on a server of its own.
// Metrics: p50 and p99 of a workflow's latency per step, workflows/s, and
// max/p50 (the straggler). Run one variant with
// -bench 'DevServerSettings/lab$'.
func BenchmarkDevServerSettings(b *testing.B) {
	const steps = 3
	for _, s := range settings {
		b.Run(s.name, func(b *testing.B) {
			if temporaldev.Available() != nil {
				b.Skip("skipped: no Temporal CLI (TEMPORAL_CLI): run through make, which builds it once")
			}
			ctx := context.Background()
			tg, err := temporaldev.FromEnv(ctx, temporaldev.Options{StockDynamicConfig: s.stock, DynamicConfig: maps.Clone(s.config)})
			if err != nil {
				b.Fatal(err)
			}
			defer tg.Close()
			c, err := tg.Dial(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			queue := "floor-" + s.name
			o := worker.Options{StickyScheduleToStartTimeout: time.Second}
			if s.worker != nil {
				s.worker(&o)
			}
			w := worker.New(c, queue, o)
			temporalfloor.Register(w)
			if err := w.Start(); err != nil {
				b.Fatal(err)
			}
			defer w.Stop()
			load := temporalfloor.Load{Queue: queue, Steps: steps, EagerStart: s.eagerStart}
			// warm-up: the first workflows on a new server fill its caches
			warm := load
			warm.IDPrefix, warm.Workflows, warm.InFlight = "warm", 8, 8
			if _, err := temporalfloor.RunLoad(ctx, c, warm); err != nil {
				b.Fatal(err)
			}
			for _, shape := range []struct {
				name                string
				workflows, inFlight int
			}{{"serial", 10, 1}, {"concurrent-32", 32, 32}} {
				b.Run(shape.name, func(b *testing.B) {
					var all temporalfloor.Round
					var slow temporalfloor.Phases
					var outside time.Duration
					rounds := 0
					pid := 0
					if tg.Embedded != nil {
						pid = tg.Embedded.PID()
					}
					serverCPU, workerCPU := processCPU(pid), selfCPU()
					for b.Loop() {
						rounds++
						l := load
						l.IDPrefix, l.Workflows, l.InFlight = fmt.Sprintf("%s-%d-%d", shape.name, b.N, rounds), shape.workflows, shape.inFlight
						r, err := temporalfloor.RunLoad(ctx, c, l)
						if err != nil {
							b.Fatal(err)
						}
						all.Latencies, all.Elapsed = append(all.Latencies, r.Latencies...), all.Elapsed+r.Elapsed
						// the round's straggler: where its time went
						p, err := temporalfloor.Breakdown(ctx, c, r.Slowest)
						if err != nil {
							b.Fatal(err)
						}
						slow, outside = slow.Add(p), outside+r.SlowestLatency-p.Total()
					}
					serverCPU, workerCPU = processCPU(pid)-serverCPU, selfCPU()-workerCPU
					all = temporalfloor.Sorted(all)
					perStep := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / steps }
					p50 := all.Percentile(0.5)
					b.ReportMetric(perStep(p50), "p50-ms/step")
					b.ReportMetric(perStep(all.Percentile(0.99)), "p99-ms/step")
					b.ReportMetric(float64(all.Latencies[len(all.Latencies)-1])/float64(p50), "max/p50")
					b.ReportMetric(float64(len(all.Latencies))/all.Elapsed.Seconds(), "workflows/s")
					// what a workflow costs in CPU: the server's, and this
					// process's (the worker, the client, the benchmark)
					wf := float64(len(all.Latencies))
					b.ReportMetric(float64(serverCPU)/float64(time.Millisecond)/wf, "server-cpu-ms/wf")
					b.ReportMetric(float64(workerCPU)/float64(time.Millisecond)/wf, "worker-cpu-ms/wf")
					// the stragglers' time by phase, per step (history events'
					// times; outside: the start call and the result's delivery)
					n := float64(rounds) * steps
					ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / n }
					b.ReportMetric(ms(slow.ActivityQueued), "slow-act-queued-ms/step")
					b.ReportMetric(ms(slow.WorkflowTaskQueued), "slow-wft-queued-ms/step")
					b.ReportMetric(ms(slow.ActivityRun+slow.WorkflowTaskRun), "slow-run-ms/step")
					b.ReportMetric(ms(slow.Between), "slow-between-ms/step")
					b.ReportMetric(ms(outside), "slow-outside-ms/step")
				})
			}
		})
	}
}
