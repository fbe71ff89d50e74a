// Package workflow is the demo of the workflow-orchestration pattern: a data
// pipeline, collect -> clean -> analyze -> store, run on the same input and
// the same stage code (package pipeline) by three engines, with a worker
// process killed mid-stage in the last two: goroutines joined by bounded
// hand-offs in one process (package goroutines); stage consumers in
// processes of their own competing for JetStream work-queue streams,
// acknowledging only what the next stream has stored (package workqueue);
// and a durable Temporal workflow per batch with a child workflow per
// partition and an activity per stage with retries and heartbeats (package
// durable, its workflow code alone in durable/workflows). The same pipeline
// is also an Argo Workflows manifest (package argo).
//
// Each engine gives a different answer to one question: what happens to the
// work when a process dies halfway? The in-process pipeline starts over;
// the work queues redeliver what was not acknowledged; the durable workflow
// replays its history and retries the activity from its last heartbeat. All
// of them write to an idempotent sink, and the demo checks the invariant from
// the stores themselves: they are identical, every input line is stored
// exactly once or rejected with a reason, and the in-process pipeline never
// held more lines than its bound. Every safeguard has a switch that turns it
// off (-upsert, -rejects, -bounded, -ack-after-publish, -retry), and the
// verdict then says what broke.
package workflow
