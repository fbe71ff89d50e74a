package workflow_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/workflow"
)

// The demo on a smaller input: the three engines, a worker process killed
// with SIGKILL mid-stage in the nats and temporal runs, and the verdict.
// Measurements (times, ports, process IDs, how far the killed worker got)
// vary from run to run and are hidden; everything else is the same for a
// seed, so the output below is checked on every `make test`.
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
	// == 1. in-process Go: goroutines joined by bounded hand-offs ==
	// [goroutines] one goroutine per stage, 2 for analyze; hand-offs of 16, store batches of 32: at most 83 lines in flight; one errgroup owns them all
	// [check] bounded-in-flight: lines collected and not yet committed to the store never exceeded 83: ok
	// [goroutines] in 400, cleaned 387, rejected 14, stored 376 readings (10 duplicate lines merged by key)
	// [goroutines] rejected with reasons: 5 out-of-range, 3 field-count, 2 unknown-metric, 1 bad-timestamp, 1 bad-value, 1 gave-up, 1 unknown-unit
	// == 2. message-driven: JetStream work queues, one process per stage consumer ==
	// [nats] work-queue streams WF_CLEAN -> WF_ANALYZE -> WF_STORE; rejections on wf.rejects with the reason in headers; dead letters on wf.dlq
	// [nats] started 4 stage-consumer processes: clean-1, analyze-1, analyze-2, store-1
	// [check] subjects-protected: a guest's publish on wf.clean was refused by the server, and WF_CLEAN did not grow: ok
	// [collect] published 400 lines to wf.clean; JetStream stored each before acknowledging it
	// [producer] FAULT: a message that is not a line of the export went to wf.clean
	// [chaos] FAULT: analyze-1 died of SIGKILL in its first batch, after the next stream stored its outputs and before it acknowledged its inputs
	// [check] killed-mid-run: readings still waiting for analyze after the kill: ok
	// [nats] restarted analyze-1; JetStream redelivers what the dead consumer held once AckWait (1s) has passed
	// [nats] wf.rejects holds 14 rejections, 14 with a Reason header; the first, line-000076: clean: value "9999 C": value outside the sensor's physical range
	// [check] dead-lettered: WF_DLQ holds 1 dead letter(s), read back from the server, the injected one among them with its reason and subject: ok
	// [nats] in 400, cleaned 387, rejected 14, stored 376 readings (10 duplicate lines merged by key)
	// [nats] rejected with reasons: 5 out-of-range, 3 field-count, 2 unknown-metric, 1 bad-timestamp, 1 bad-value, 1 gave-up, 1 unknown-unit
	// == 3. durable workflow: Temporal, a workflow per batch, a child workflow per partition ==
	// [temporal] started worker process temporal-worker-1 on task queue sensor-pipeline
	// [temporal] started the batch workflow: 2 child workflows, one per partition, each running collect -> clean -> analyze -> store as activities
	// [chaos] FAULT: SIGKILL temporal-worker-1 while analyze activities run: no worker is left
	// [operator] signal "pause" to the batch and its partitions: the server records it in their histories, though no worker runs
	// [temporal] started temporal-worker-2: it rebuilds every workflow by replaying its event history
	// [temporal] progress query, answered by temporal-worker-2 from the replayed state: paused, 2 partitions
	// [temporal] every partition stopped at a stage boundary or closed; nothing is scheduled while paused
	// [operator] signal "resume": every partition goes on from where it stopped
	// [check] pause-held: no partition's history shows an activity scheduled between the pause and the resume: ok
	// [check] resumed-from-heartbeat: the history shows the killed analyze activity retried on temporal-worker-2, and it resumed from its last heartbeat, not from the first reading: ok
	// [temporal] in 400, cleaned 387, rejected 14, stored 376 readings (10 duplicate lines merged by key)
	// [temporal] rejected with reasons: 5 out-of-range, 3 field-count, 2 unknown-metric, 1 bad-timestamp, 1 bad-value, 1 gave-up, 1 unknown-unit
	// == verdict ==
	// [check] goroutines-store: 376 readings and 14 rejections, digest be17232309fa: ok
	// [check] nats-store: 376 readings and 14 rejections, digest be17232309fa: ok
	// [check] temporal-store: 376 readings and 14 rejections, digest be17232309fa: ok
	// [check] identical-stores: 3 stores, digests be17232309fa be17232309fa be17232309fa: ok
	// [invariant] HELD: the goroutines, nats and temporal stores hold identical results; every input record is stored exactly once or rejected with a reason; the in-process pipeline never holds more lines than its bound
}
