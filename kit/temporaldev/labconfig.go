package temporaldev

import "maps"

// LabDynamicConfig is the dynamic configuration an embedded dev server starts
// with unless Options.StockDynamicConfig is set: the dev server's defaults are
// a production cluster's, sized for many hosts and shards, and on one machine
// with one history shard they make every hand-off between the history and
// matching services wait. Each setting is measured alone and together by
// kit/temporalfloor's BenchmarkDevServerSettings (the numbers are in the saga
// chapter's Benchmarks section). A server named by TEMPORAL_ADDRESS is never
// touched: its configuration is its operator's.
//
// Values are JSON, as `temporal server start-dev --dynamic-config-value`
// takes them. The CLI (v1.5.1, server 1.29.1) accepts any key without a
// word, so a misspelt one would change nothing: the benchmark's lab-...
// rows, each with one setting taken back, show that the transfer, partition
// and eager-activity keys are read (the timer key has no row: the floor
// workflow sets no timer).
func LabDynamicConfig() map[string]string { return maps.Clone(labDynamicConfig) }

var labDynamicConfig = map[string]string{
	// The history service reads the tasks it must hand to matching (a
	// workflow task to dispatch, an activity to schedule) from its one shard
	// at most this many times a second (default 20, a read every 50 ms): one
	// workflow at a time then waits up to 50 ms at each hand-off. The host
	// limit (history.transferProcessorMaxPollHostRPS, default from
	// history.persistenceMaxQPS) stays far above it.
	"history.transferProcessorMaxPollRPS": "10000",
	// The same limit on timer tasks: a retried activity is scheduled again
	// by a timer once its backoff has passed (the fault tests of the saga
	// and the pipeline retry), and so are timeouts and workflow.Sleep. The
	// floor workflow has no timer, so its benchmark cannot show this one;
	// it is the same reader with the same default as the transfer queue.
	// (The visibility queue, history.visibilityProcessorMaxPollRPS, is left
	// at its default: it feeds the list and search index of the Web UI, off
	// every workflow's path.)
	"history.timerProcessorMaxPollRPS": "10000",
	// A task queue has four partitions by default, each polled on its own:
	// with a worker's few pollers, a task written to a partition no poller
	// is waiting on waits for a poll to come round or to be forwarded to the
	// root partition. One machine needs one partition.
	"matching.numTaskqueueReadPartitions":  "1",
	"matching.numTaskqueueWritePartitions": "1",
	// Eager activity execution: when a workflow task schedules an activity
	// that the completing worker can run (same task queue, a free slot), the
	// server returns it in the reply, skipping the transfer task and the
	// matching hop. The Go SDK asks for it unless a worker sets
	// DisableEagerActivities; the server grants it only with this on.
	"system.enableActivityEagerExecution": "true",
}

// dynamicConfig is what a server started with o gets: the lab's settings,
// overridden key by key by o.DynamicConfig.
func (o Options) dynamicConfig() map[string]string {
	out := map[string]string{}
	if !o.StockDynamicConfig {
		maps.Copy(out, labDynamicConfig)
	}
	maps.Copy(out, o.DynamicConfig)
	return out
}
