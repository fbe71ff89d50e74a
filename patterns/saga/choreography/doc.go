// Package choreography is the shop's saga choreographed on NATS JetStream:
// each service is a Participant on a durable consumer of one stream, reacts
// to the events that concern it (reactions), runs its step through its own
// ledger and emits the next event, failure events included; nobody holds the
// whole flow. A message no participant can use goes to a dead-letter stream
// (kit/deadletter) with its reason before it is acknowledged. Choreography
// runs the participants and the orders service that places orders and
// watches for the events that end a saga.
package choreography
