package workflow_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/workflow"
)

// The demo on a smaller input: the three implementations, a worker killed
// with SIGKILL in the nats and temporal runs, and the verdict. Measurements
// (times, ports, process IDs, how far the killed worker got) vary from run to
// run and are hidden; everything else is the same for a seed, so the output
// below is checked on every `make test`.
func ExampleDemo() {
	cfg := workflow.DefaultConfig()
	cfg.Records, cfg.FanOut = 400, 2
	// A slower scoring service than the default leaves the killed workers
	// plenty of work to be killed in the middle of, even on a loaded machine.
	cfg.AnalyzeLatency = 5 * time.Millisecond
	cfg.AckWait, cfg.HeartbeatTimeout = time.Second, time.Second
	n := narrate.New(os.Stdout, narrate.HideMeasurements())
	if err := workflow.Demo(context.Background(), n, cfg); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// == the input: one shift of sensor readings from a press line ==
	// [source] 400 lines from 12 machines (seed 1): 13 malformed, 10 exact duplicates of earlier lines
	// [source] the pipeline: collect -> clean -> analyze -> store, the same stage code in every implementation
	// [scoring] FAULT: the scoring service fails on every attempt at reading lathe-03-000018
	// == 1. in-process Go: goroutines joined by bounded channels ==
	// [goroutines] one goroutine per stage, 2 for analyze; channels of 64; one errgroup owns them all
	// [goroutines] in 400, cleaned 387, rejected 14, stored 376 readings (10 duplicate lines merged by key)
	// [goroutines] rejected with reasons: 5 out-of-range, 3 field-count, 2 unknown-metric, 1 bad-timestamp, 1 bad-value, 1 gave-up, 1 unknown-unit
	// == 2. message-driven: JetStream work queues, one process per worker ==
	// [nats] work-queue streams WF_CLEAN -> WF_ANALYZE -> WF_STORE; dead letters on wf.dead with the reason in headers
	// [nats] started 4 worker processes: clean-1, analyze-1, analyze-2, store-1
	// [collect] published 400 lines to wf.clean; JetStream stored each before acknowledging it
	// [chaos] FAULT: SIGKILL analyze-1 mid-stage: what it held is neither analyzed nor acknowledged
	// [check] killed-mid-run: readings still waiting for analyze after the kill: ok
	// [nats] restarted analyze-1; JetStream redelivers what the dead worker held once AckWait (1s) has passed
	// [nats] wf.dead holds 14 dead letters, 14 with a Reason header; the first, line-000076: clean: value "9999 C": value outside the sensor's physical range
	// [nats] in 400, cleaned 387, rejected 14, stored 376 readings (10 duplicate lines merged by key)
	// [nats] rejected with reasons: 5 out-of-range, 3 field-count, 2 unknown-metric, 1 bad-timestamp, 1 bad-value, 1 gave-up, 1 unknown-unit
	// == 3. durable workflow: Temporal, a workflow per batch, a child workflow per partition ==
	// [temporal] started worker process temporal-worker-1 on task queue sensor-pipeline
	// [temporal] started the batch workflow: 2 child workflows, one per partition, each running collect -> clean -> analyze -> store as activities
	// [chaos] FAULT: SIGKILL temporal-worker-1 while analyze activities run: no worker is left
	// [operator] signal "pause" to the batch: the server records it in the history, though no worker runs
	// [temporal] started temporal-worker-2: it rebuilds every workflow by replaying its event history
	// [temporal] progress query, answered by temporal-worker-2 from the replayed state: paused, 2 partitions
	// [check] pause-held: every partition stopped at a stage boundary or finished; no stage started while paused: ok
	// [operator] signal "resume": every partition goes on from where it stopped
	// [check] resumed-from-heartbeat: the killed analyze activity was retried on the new worker from its last heartbeat, not from the first reading: ok
	// [temporal] in 400, cleaned 387, rejected 14, stored 376 readings (10 duplicate lines merged by key)
	// [temporal] rejected with reasons: 5 out-of-range, 3 field-count, 2 unknown-metric, 1 bad-timestamp, 1 bad-value, 1 gave-up, 1 unknown-unit
	// == verdict ==
	// [check] goroutines-store: 376 readings and 14 rejections, digest be17232309fa: ok
	// [check] nats-store: 376 readings and 14 rejections, digest be17232309fa: ok
	// [check] temporal-store: 376 readings and 14 rejections, digest be17232309fa: ok
	// [check] identical-stores: 3 stores, digests be17232309fa be17232309fa be17232309fa: ok
	// [invariant] HELD: the goroutines, nats and temporal stores hold identical results; every input record is stored exactly once or rejected with a reason
}
