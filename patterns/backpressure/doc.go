// Package backpressure puts a producer in front of a consumer ten times slower
// and handles the overload four ways, side by side, under one harness:
//
//   - UnboundedBuffer, the anti-pattern: it never says no, so its queue and the
//     heap grow with the backlog until the process runs out of memory.
//   - BoundedChannel: a buffered channel of capacity B; a full channel blocks
//     the producer, so the backlog moves upstream instead of into memory.
//   - Shedder: admission control with golang.org/x/time/rate in front of a
//     bounded queue; what is refused is dropped and counted, never silently lost.
//   - JetStreamQueue: a NATS JetStream work-queue stream of at most B messages
//     (the producer is pushed back when it is full) read by a durable pull
//     consumer with MaxAckPending W, the credit window of the consumer.
//
// Run drives any Strategy with the same Workload (arrival rate λ = k·μ for a
// consumer of service rate μ) and measures goodput, peak queue depth, peak
// live heap, latency p50/p99 and shed count. Its Ledger checks, per message
// ID, that every accepted message was processed exactly once or counted as
// shed. Demo narrates the four runs and a consumer crash on JetStream, and
// ends with that invariant and whether it held.
package backpressure
