// Package pipeline is what every engine of the sensor pipeline shares: the
// records (a Line of the gateway's export, the Reading cleaning makes of
// it), the generated Dataset, the Stages in their order (collect, clean,
// analyze, store) with the code of each, the Sink every run writes to, and
// the Audit that judges a run by comparing its sink with its source.
//
// The engines (goroutines, workqueue, durable, argo) only wire these stages
// together; none of them has stage logic of its own, so their stores can be
// compared row for row. The Sink upserts, so a stage applied twice to a
// record (a redelivery, a retried activity, a re-run step) changes nothing;
// Reconcile is the audit of any pipeline of stages over records, and Audit
// is this one's.
package pipeline
