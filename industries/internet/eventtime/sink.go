package eventtime

import (
	"slices"
)

// Sink is what a store of the analytics keeps: window results upserted by
// window start, closed sessions by user and start, drops by log record, and
// the latest checkpoint. Applying the same outputs twice leaves it as it
// was, except for Add, the non-idempotent write, which counts again.
// A Sink is not safe for concurrent use; the store that owns it locks.
type Sink struct {
	panes    map[int64]Metrics
	adds     map[int64]*Window
	sessions map[Session]bool
	drops    map[uint64]Drop
	cp       *Checkpoint
}

// NewSink is an empty sink.
func NewSink() *Sink {
	return &Sink{panes: map[int64]Metrics{}, adds: map[int64]*Window{}, sessions: map[Session]bool{}, drops: map[uint64]Drop{}}
}

// Apply writes outputs and drops, in order.
func (s *Sink) Apply(outs []Output, drops []Drop) {
	for _, d := range drops {
		s.drops[d.Seq] = d
	}
	for _, o := range outs {
		switch {
		case o.Pane != nil:
			s.panes[o.Pane.Start] = *o.Pane
		case o.Add != nil:
			w := s.adds[o.Add.Start]
			if w == nil {
				w = NewWindow(o.Add.Start)
				s.adds[o.Add.Start] = w
			}
			w.Add(o.Add.Seq, o.Add.Event.Event)
		case o.Session != nil:
			s.sessions[*o.Session] = true
		case o.Drop != nil:
			s.drops[o.Drop.Seq] = *o.Drop
		case o.Checkpoint != nil:
			s.cp = o.Checkpoint
		}
	}
}

// Checkpoint is the latest checkpoint written, or nil.
func (s *Sink) Checkpoint() *Checkpoint { return s.cp }

// Result is what the sink holds: the windows, the sessions, the drops.
func (s *Sink) Result() Result {
	r := Result{Windows: map[int64]Metrics{}, Drops: map[uint64]Drop{}}
	for k, m := range s.panes {
		r.Windows[k] = m
	}
	for k, w := range s.adds {
		r.Windows[k] = w.Metrics()
	}
	for sess := range s.sessions {
		r.Sessions = append(r.Sessions, sess)
	}
	SortSessions(r.Sessions)
	for k, d := range s.drops {
		r.Drops[k] = d
	}
	return r
}

// Counted lists the log records the stored windows counted, one entry per
// count: a record counted twice is listed twice.
func (r Result) Counted() []uint64 {
	var out []uint64
	for _, m := range r.Windows {
		out = append(out, m.Seqs...)
	}
	slices.Sort(out)
	return out
}
