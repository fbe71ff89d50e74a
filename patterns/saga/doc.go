// Package saga runs one business transaction, an order across three services
// (inventory reserves stock, payment charges, shipping books the shipment),
// as a saga: a sequence of local transactions T1..Tn, each with a
// compensation C1..Cn, such that either every Ti applies or the ones that did
// are undone in reverse order (T1..Tk then Ck..C1). Nothing is locked across
// services; consistency is restored by compensating, not by rolling back.
//
// The same saga is built twice on the same services. Orchestration: a
// Temporal workflow ([OrderSaga]) calls the steps as activities and keeps the
// stack of compensations, with retry policies, non-retryable business errors,
// a progress query and a cancel signal; its worker runs in a separate
// process ([StartWorkerProcess]) that the demo kills with SIGKILL mid-saga.
// Choreography: each service is a [Participant] on a durable NATS JetStream
// consumer that reacts to events and emits the next one, failure events
// included; nobody holds the whole flow. In both, each service keys its
// [Ledger] by (saga, step), so a redelivered event or a retried activity is
// absorbed instead of charging twice, and [Verify] checks the invariant from
// the services' own state.
package saga
