package edgeiot

// Safeguards are the mechanisms the invariant depends on. The zero value
// keeps every one of them; the demo's switches turn them off one at a time,
// to show what each one prevents.
type Safeguards struct {
	// NoDedupe publishes readings, alerts and dead letters without a
	// Nats-Msg-Id: neither the edge's streams nor the hub's can tell a
	// redelivered copy from a new message.
	NoDedupe bool
	// DiscardOld makes a full buffer evict its oldest reading, which the hub
	// has not confirmed, instead of refusing the new one.
	DiscardOld bool
	// NoBufferLimit removes the buffer's limit: an outage fills the edge's
	// storage instead of the bounded buffer.
	NoBufferLimit bool
	// NoDeadLetter acknowledges and drops what the gateway refuses
	// (malformed payloads, readings refused by a full buffer) instead of
	// storing it in the dead-letter stream with the reason.
	NoDeadLetter bool
	// NoStoreAndForward sends each accepted reading straight to the hub with
	// core NATS instead of storing it at the edge first: while the link is
	// down, nobody is listening and the reading is gone.
	NoStoreAndForward bool
}
