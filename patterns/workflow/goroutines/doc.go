// Package goroutines is the in-process engine: a pipeline of stages over
// records in one process, each stage a goroutine (or several sharing its
// input), joined by bounded hand-offs, all owned by one errgroup. Run,
// Collect, Map, Then and Store build any such pipeline; Pipeline is the
// sensor pipeline built with them.
//
// A full hand-off blocks the stage that sends to it, so a slow stage holds
// the ones before it back instead of letting them pile records up in memory:
// what is in flight is bounded by the hand-offs, the workers and the store's
// batch (Pipeline.MaxInFlight), and Probe measures it at the two ends.
// Nothing survives the process: after a crash the run starts over, which the
// upserting sink makes harmless.
package goroutines
