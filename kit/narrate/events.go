package narrate

import (
	"encoding/json"
	"time"
)

// Event is one line of a demo's story in JSON-lines mode (JSON option, or
// NARRATE_FORMAT=json through Main): what the lab's browser view draws. Text
// is the line text mode would print; Message and Sample events exist only
// here, so the text story (and every Example's verified output) is unchanged.
type Event struct {
	Time   time.Time      `json:"time"`
	Kind   string         `json:"kind"`
	Actor  string         `json:"actor,omitempty"`
	Text   string         `json:"text,omitempty"`
	OK     *bool          `json:"ok,omitempty"` // check and invariant
	Fields map[string]any `json:"fields,omitempty"`
}

// Kinds of events.
const (
	KindAct       = "act"
	KindStep      = "step"
	KindMeasure   = "measure"
	KindFault     = "fault"
	KindCheck     = "check"
	KindInvariant = "invariant"
	KindMessage   = "message" // fields: from, to, what, id
	KindSample    = "sample"  // fields: series, value, unit
	KindControl   = "control" // a fault offered on demand (fields: name, actor, what) or its outcome
)

// JSON makes the Narrator write one Event per line instead of text.
func JSON() Option { return func(n *Narrator) { n.json = json.NewEncoder(n.w) } }

// emitLocked writes an event in the Narrator's format; text is the text line,
// or "" for events that exist only in JSON.
func (n *Narrator) emitLocked(e Event, text string) {
	if n.json == nil {
		if text != "" {
			n.writeLocked(text)
		}
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Text = text
	_ = n.json.Encode(e)
	if text != "" {
		n.verdictShown = false
	}
}

// Message records a message crossing between actors (JSON mode only): the
// lab draws it as an arrow on the sequence diagram.
func (n *Narrator) Message(from, to, what, id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.emitLocked(Event{Kind: KindMessage, Actor: from, Fields: map[string]any{"from": from, "to": to, "what": what, "id": id}}, "")
}

// Sample records one value of a series over time (JSON mode only): queue
// depth, heap, link up (1) or down (0), sagas in flight.
func (n *Narrator) Sample(series string, value float64, unit string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.emitLocked(Event{Kind: KindSample, Fields: map[string]any{"series": series, "value": value, "unit": unit}}, "")
}

// JSONMode reports whether the Narrator writes events: demos skip work that
// only feeds Message and Sample (sampling goroutines) otherwise.
func (n *Narrator) JSONMode() bool { return n.json != nil }
