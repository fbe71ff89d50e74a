// Package workqueue is the message-driven engine: every stage after collect
// reads a JetStream work-queue stream of its own, and stage consumers, each
// in a process of its own, compete for its messages. A consumer
// acknowledges its input only after the next stream has stored its output,
// so every record in flight is in at least one stream at every moment: a
// consumer killed anywhere leaves its input to be redelivered after
// AckWait, and the repeat is dropped by Msg-Id or absorbed by the upserting
// sink.
//
// Rejections travel to the store on their own stream, with the reason in
// headers; a message no stage can use at all is a dead letter (kit/deadletter)
// and is kept with its reason. The streams carry a prefix of the run's own on
// a shared server, and the run deletes them when it is done.
package workqueue
