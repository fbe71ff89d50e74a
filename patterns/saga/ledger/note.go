package ledger

// NoteKind says what happened in one delivery of a step. Callers may add
// their own kinds (a lost reply, a lost ack) with Journal.
type NoteKind string

// The kinds of notes a ledger keeps itself.
const (
	NoteApplied                = NoteKind(Applied)
	NoteDeclined               = NoteKind(Declined)
	NoteNothingToUndo          = NoteKind(NothingToUndo)
	NoteTransient     NoteKind = "transient"
	NoteDuplicate     NoteKind = "duplicate"
	// NoteAsked: Settle found the key already settled and answered from
	// its record.
	NoteAsked NoteKind = "asked"
	// NoteSettled: Settle found the key open and settled it as declined.
	NoteSettled NoteKind = "settled"
)

// Note is one line of a ledger's journal: what one delivery of a step did.
// A demo tells each saga's story from its notes.
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
	if l.hooks.Noted != nil {
		l.hooks.Noted(n)
	}
}

// Journal appends a note written by the service's transport (a reply or
// an ack that was lost, a delivery that was held back), so the story of a
// saga reads in one place. Its Entry is the key's record at that moment.
func (l *Ledger) Journal(k Key, kind NoteKind, attempt int, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var e Entry
	if got, ok := l.entries[k]; ok {
		e = *got
	}
	l.note(Note{Key: k, Kind: kind, Attempt: attempt, Entry: e, Injected: true, Reason: reason})
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
