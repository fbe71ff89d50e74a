// Package eventtime is the analytics of the internet case: tumbling windows of
// event time closed by a watermark, with a stated allowed lateness, session
// windows with an inactivity gap, and the metrics over them (page views, a
// view → cart → purchase funnel, ad click-through per campaign).
//
// It holds the two sides of the case's invariant: Operator, the streaming
// window stage with its checkpointable State, and Batch, the same policy
// recomputed the plainest way over the whole log. Compare says how far a
// streaming result is from the batch.
package eventtime
