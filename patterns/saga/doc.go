// Package saga is the demo of the saga pattern: one business transaction,
// an order across three services (inventory reserves stock, payment
// charges, shipping books the shipment), run as a sequence of local
// transactions T1..Tn, each but the pivot with a compensation, such that
// either every Ti applies or the ones that did are undone in reverse order.
// Nothing is locked across services; consistency is restored by
// compensating, not by rolling back.
//
// The same saga runs twice on the same services (package shop, each with
// its ledger, package ledger) under the same seeded faults: orchestrated by
// a Temporal workflow (package orchestration, built on the generic
// temporalsaga) whose worker process is SIGKILLed mid-saga, and
// choreographed as events on NATS JetStream (package choreography) with a
// service that crashes and resumes. Demo narrates both and ends with one
// verdict, checked from the services' own ledgers; Command parses the
// demo's flags, among them one switch per safeguard.
package saga
