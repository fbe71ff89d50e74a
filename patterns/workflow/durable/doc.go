// Package durable is the durable engine: the pipeline as Temporal workflows,
// one per batch with a child workflow per partition (package workflows,
// the only code here that must be deterministic), the stages as activities
// with retries and heartbeats (Activities), the worker that runs both
// (NewWorker, ServeWorker), and the client side: start a batch, query its
// progress, pause and resume it, and read what the server recorded
// (StartBatch, Progress, Control, DescribePartition, History).
//
// A batch's state lives in its event history on the server: a worker that
// dies loses nothing, the next one replays the history and carries on, and
// an activity that died with it is retried from its last heartbeat.
package durable
