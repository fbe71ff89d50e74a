// Package cqrs is an event-sourced ledger built with CQRS on eventhorizon,
// whose only source of truth is a NATS JetStream stream. Accounts are
// aggregates: each command is decided against the state the account's own
// events fold into, and recorded as a new event. The EventStore appends with
// JetStream's expected-last-subject-sequence check, so a writer that decided
// on a stale version is refused by the server and retries; the command's ID
// travels in the event, so a command sent twice is applied once.
//
// The read side is eventhorizon's projector building two read models
// (balances and per-account statements). Its EventBus does not publish
// anything of its own: its durable consumers read the very stream the store
// appends to, so an acknowledged event can never miss the bus, and a
// crashed projector resumes where it last acknowledged. Replaying the stream
// into empty read models rebuilds them; Demo checks that the rebuild equals
// the live models and that both add up to what the senders were told.
//
// The log is append-only (delete and purge are denied), so a message on its
// subjects that is not an event stays there for good. Every reader applies
// one history rule (history.go) and leaves such a message out, the bus
// dead-letters it with its reason, and only the ledger's own user may
// publish on the log's subjects (Log.Subjects). EventStore, EventBus and Log
// know nothing of accounts: another domain uses them on a log of its own.
package cqrs
