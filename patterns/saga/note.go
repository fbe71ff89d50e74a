package saga

// NoteKind says what happened in one delivery of a step.
type NoteKind string

// The kinds of notes a ledger keeps.
const (
	NoteApplied                = NoteKind(Applied)
	NoteDeclined               = NoteKind(Declined)
	NoteNothingToUndo          = NoteKind(NothingToUndo)
	NoteTransient     NoteKind = "transient"
	NoteDuplicate     NoteKind = "duplicate"
)

// Note is one line of a ledger's journal: what one delivery of a step did.
// The demo tells each saga's story from its notes.
type Note struct {
	Seq      int      `json:"seq"`
	Service  string   `json:"service"`
	Key      Key      `json:"key"`
	Kind     NoteKind `json:"kind"`
	Attempt  int      `json:"attempt"`
	Entry    Entry    `json:"entry"`
	Injected bool     `json:"injected,omitempty"`
	Reason   string   `json:"reason,omitempty"`
}

// note appends to the journal. Called with l.mu held.
func (l *Ledger) note(n Note) {
	n.Seq, n.Service = len(l.notes), l.service
	l.notes = append(l.notes, n)
}

// Notes returns the journal entries of one saga, in the order they happened.
func (l *Ledger) Notes(saga string) []Note {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Note
	for _, n := range l.notes {
		if n.Key.Saga == saga {
			out = append(out, n)
		}
	}
	return out
}
