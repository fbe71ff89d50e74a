package history

// Outcome is what a client saw of one operation, in the models' terms.
type Outcome string

const (
	// OK: the system says the operation took effect (or, for a read, the
	// output is what it returned).
	OK Outcome = "ok"
	// Conflict: the system refused an append whose expected version was
	// stale; it did not take effect.
	Conflict Outcome = "conflict"
	// Duplicate: the system says it already holds this message ID; nothing
	// new was stored.
	Duplicate Outcome = "duplicate"
	// Failed: an error the system promises means "not applied". A model
	// checks that promise: if the operation shows up later, the history is
	// not linearizable.
	Failed Outcome = "failed"
	// Unknown: the client cannot know whether the operation took effect (a
	// timeout, a lost reply). Record it with Call.Lost, so its return stays
	// open and the checker may place it after everything else, which is
	// where an operation that never took effect belongs.
	Unknown Outcome = "unknown"
)
