// Package workflow is a data pipeline, collect -> clean -> analyze -> store,
// built three ways on the same input and the same stage code: goroutines
// joined by bounded channels under one errgroup (InProcess); stage workers in
// separate processes pulling from JetStream work-queue streams, acknowledging
// only what the next stream has stored, with a dead-letter subject for what
// cannot be processed (MessageDriven, StageWorker); and a durable Temporal
// workflow per batch with a child workflow per partition, an activity per
// stage with retries and heartbeats, a progress query and a pause signal
// (BatchWorkflow, PartitionWorkflow, Activities). The same pipeline is also
// an Argo Workflows manifest (argo/pipeline.yaml) whose steps run cmd/stage.
//
// Each gives a different answer to one question: what happens to the work
// when a process dies halfway? The in-process pipeline starts over; the
// message-driven one redelivers what was not acknowledged; the durable one
// replays the history and retries the activity from its last heartbeat. All
// three write to an idempotent sink (Sink: SQLite, upsert by reading key),
// so doing something twice is harmless, and the demo checks the invariant:
// the three stores are identical, and every input line is stored exactly
// once or rejected with a reason.
package workflow
