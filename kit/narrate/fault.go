package narrate

import "fmt"

// PlannedFault is a fault a demo schedules before it happens. The verdict is
// VIOLATED while a planned fault has not fired: a demo whose scheduled crash
// never came (too few messages, a run that ended early) has not shown what
// it claims to show.
type PlannedFault struct {
	n     *Narrator
	actor string
	what  string
	fired int
}

// Plan schedules a fault on actor. what names it in the verdict if it never
// fires ("crash after processing, before the ack").
func (n *Narrator) Plan(actor, what string) *PlannedFault {
	f := &PlannedFault{n: n, actor: actor, what: what}
	n.mu.Lock()
	n.planned = append(n.planned, f)
	n.mu.Unlock()
	return f
}

// Fire announces the fault as it is injected ("[actor] FAULT: ...") and marks
// it as fired. It may fire more than once.
func (f *PlannedFault) Fire(format string, args ...any) {
	f.n.mu.Lock()
	defer f.n.mu.Unlock()
	f.fired++
	f.n.emitLocked(Event{Kind: KindFault, Actor: f.actor, Fields: map[string]any{"planned": f.what}},
		"["+f.actor+"] FAULT: "+fmt.Sprintf(format, args...))
}

// Fired reports how many times the fault fired.
func (f *PlannedFault) Fired() int {
	f.n.mu.Lock()
	defer f.n.mu.Unlock()
	return f.fired
}

func (n *Narrator) notFiredLocked() []string {
	var out []string
	for _, f := range n.planned {
		if f.fired == 0 {
			out = append(out, f.actor+": "+f.what)
		}
	}
	return out
}
