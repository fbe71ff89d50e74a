package eventtime

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Safeguards are the mechanisms the stream's equality with the batch
// depends on; each can be switched off to watch the equality break.
type Safeguards struct {
	// EventTime assigns events to windows by when they happened; false uses
	// when the edge received them (processing time), the anti-pattern.
	EventTime bool
	// SkewCorrection moves a device's timestamp by its clock's offset
	// (EventTime); false trusts the device's clock.
	SkewCorrection bool
	// Dedupe drops a repeat of an event already counted.
	Dedupe bool
	// Idempotent writes a window's whole result, an upsert, with the state
	// checkpointed beside it; false adds each event to the store as it is
	// counted, so a restart that replays the log from the checkpoint counts
	// the replayed events again.
	Idempotent bool
	// RouteLate sends late events on with their reason; false drops them
	// without a word.
	RouteLate bool
}

// AllSafeguards is the correct stream.
func AllSafeguards() Safeguards {
	return Safeguards{EventTime: true, SkewCorrection: true, Dedupe: true, Idempotent: true, RouteLate: true}
}

// Output is what the window stage hands to the store, one of the fields set.
type Output struct {
	Pane       *Metrics    // a window's results so far: an upsert by window start
	Add        *Add        // one event counted into a window (only without Idempotent)
	Session    *Session    // a session that can no longer grow: an upsert by user and start
	Drop       *Drop       // the record just applied, late or repeated, with its reason
	Checkpoint *Checkpoint // the state after the last record, to restart from
	// Barrier, when not zero, changes nothing in a sink: a store that sees
	// it has written everything the stage emitted before it.
	Barrier uint64
}

// Add is one counted event, for a store that accumulates.
type Add struct {
	Seq   uint64
	Start int64
	Event Record
}

// Checkpoint is the operator's whole state as of the log record Offset.
type Checkpoint struct {
	Offset uint64
	State  []byte // JSON of State
}

// State is everything the window stage holds: one snapshot, so the windows,
// the dedupe memory, the sessions and the watermark always restart together
// with the log offset they are consistent with.
type State struct {
	Offset   uint64               `json:"offset"`
	Started  bool                 `json:"started"`
	WM       int64                `json:"wm"` // the watermark
	Open     map[int64]*Window    `json:"open"`
	Seen     map[string]int64     `json:"seen"`     // counted event ID -> event time
	Sessions map[string][]Session `json:"sessions"` // open sessions by user, by start
}

// Operator is the streaming window stage: event-time tumbling windows and
// sessions, closed by a watermark. It is not safe for concurrent use: one
// goroutine owns it, as one stage of the pipeline.
type Operator struct {
	p  Policy
	sg Safeguards
	st State
}

// NewOperator starts an operator, from a checkpoint when cp is not nil.
func NewOperator(p Policy, sg Safeguards, cp *Checkpoint) (*Operator, error) {
	o := &Operator{p: p, sg: sg, st: State{Open: map[int64]*Window{}, Seen: map[string]int64{}, Sessions: map[string][]Session{}}}
	if cp != nil {
		if err := json.Unmarshal(cp.State, &o.st); err != nil {
			return nil, fmt.Errorf("restore checkpoint at %d: %w", cp.Offset, err)
		}
	}
	return o, nil
}

// Offset is the last log record the operator applied.
func (o *Operator) Offset() uint64 { return o.st.Offset }

// OpenWindows is how many windows the operator holds open now.
func (o *Operator) OpenWindows() int { return len(o.st.Open) }

// Watermark is the operator's watermark (Unix ms), and whether it has one.
func (o *Operator) Watermark() (int64, bool) { return o.st.WM, o.st.Started }

func (o *Operator) timeOf(r Record) int64 {
	switch {
	case !o.sg.EventTime:
		return r.Recv
	case !o.sg.SkewCorrection:
		return r.Event.TS
	}
	return EventTime(r)
}

// Skip advances the offset past a record an earlier stage refused.
func (o *Operator) Skip(seq uint64) { o.st.Offset = max(o.st.Offset, seq) }

// Apply takes one record and returns what it changed.
func (o *Operator) Apply(r Record) ([]Output, error) {
	var out []Output
	t := o.timeOf(r)
	start := o.p.WindowOf(t)
	seenAt, seen := o.st.Seen[r.Event.ID]
	switch {
	case o.st.Started && o.p.closed(start, o.st.WM):
		if o.sg.RouteLate {
			out = append(out, Output{Drop: &Drop{Seq: r.Seq, Reason: Late}})
		}
	case o.sg.Dedupe && seen && o.p.remembered(seenAt, o.st.WM):
		out = append(out, Output{Drop: &Drop{Seq: r.Seq, Reason: Duplicate}})
	default:
		w := o.st.Open[start]
		if w == nil {
			w = NewWindow(start)
			o.st.Open[start] = w
		}
		w.Add(r.Seq, r.Event)
		o.st.Seen[r.Event.ID] = t
		o.session(r.Event.User, t)
		if !o.sg.Idempotent {
			out = append(out, Output{Add: &Add{Seq: r.Seq, Start: start, Event: r}})
		} else if w.Fired {
			m := w.Metrics() // a late firing: the window's result, corrected
			out = append(out, Output{Pane: &m})
		}
	}
	o.st.Offset = r.Seq
	if next := t - o.p.Disorder.Milliseconds(); !o.st.Started || next > o.st.WM {
		o.st.WM, o.st.Started = next, true
		out = o.advance(out, false)
	}
	return out, nil
}

// End closes every window and session at the end of the log, whose last
// record is seq.
func (o *Operator) End(seq uint64) []Output {
	o.st.Offset = max(o.st.Offset, seq)
	return o.advance(nil, true)
}

// session puts time t into the user's open sessions, merging those it
// bridges.
func (o *Operator) session(user string, t int64) {
	gap := o.p.Gap.Milliseconds()
	merged := Session{User: user, Start: t, End: t, Events: 1}
	var keep []Session
	for _, s := range o.st.Sessions[user] {
		if t >= s.Start-gap && t <= s.End+gap {
			merged.Start, merged.End = min(merged.Start, s.Start), max(merged.End, s.End)
			merged.Events += s.Events
			continue
		}
		keep = append(keep, s)
	}
	keep = append(keep, merged)
	sort.Slice(keep, func(i, j int) bool { return keep[i].Start < keep[j].Start })
	o.st.Sessions[user] = keep
}

// advance fires, closes and forgets what the watermark has passed; at the end
// of the log, everything.
func (o *Operator) advance(out []Output, end bool) []Output {
	size := o.p.Size.Milliseconds()
	starts := make([]int64, 0, len(o.st.Open))
	for s := range o.st.Open {
		starts = append(starts, s)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	closed := false
	for _, s := range starts {
		w := o.st.Open[s]
		if !w.Fired && (end || s+size <= o.st.WM) {
			w.Fired = true
			if o.sg.Idempotent {
				m := w.Metrics()
				out = append(out, Output{Pane: &m})
			}
		}
		if end || o.p.closed(s, o.st.WM) {
			delete(o.st.Open, s)
			closed = true
		}
	}
	if !closed {
		return out
	}
	horizon := (o.p.Gap + o.p.Size + o.p.Lateness).Milliseconds()
	users := make([]string, 0, len(o.st.Sessions))
	for u := range o.st.Sessions {
		users = append(users, u)
	}
	sort.Strings(users)
	for _, u := range users {
		var keep []Session
		for _, s := range o.st.Sessions[u] {
			if end || s.End+horizon <= o.st.WM {
				out = append(out, Output{Session: &s})
				continue
			}
			keep = append(keep, s)
		}
		if len(keep) == 0 {
			delete(o.st.Sessions, u)
		} else {
			o.st.Sessions[u] = keep
		}
	}
	for id, t := range o.st.Seen {
		if end || !o.p.remembered(t, o.st.WM) {
			delete(o.st.Seen, id)
		}
	}
	b, err := json.Marshal(o.st)
	if err != nil { // State holds only maps, slices, strings and numbers
		panic(err)
	}
	return append(out, Output{Checkpoint: &Checkpoint{Offset: o.st.Offset, State: b}})
}
