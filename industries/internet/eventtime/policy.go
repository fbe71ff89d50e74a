package eventtime

import (
	"time"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
)

// Policy is the lateness policy both the stream and the batch apply.
type Policy struct {
	// Size of the tumbling windows.
	Size time.Duration
	// Disorder is how far the watermark trails the latest event time seen:
	// the out-of-orderness the stream waits for before it fires a window.
	Disorder time.Duration
	// Lateness is the allowed lateness: a fired window still takes events
	// until the watermark passes its end by this much, then it is final and
	// later events for it are late.
	Lateness time.Duration
	// Gap closes a user's session after this much inactivity.
	Gap time.Duration
	// Retain is how long past a window's close the stream remembers the
	// event IDs it counted, to drop a device's repeats (dedupe state is
	// bounded by the watermark like every other state).
	Retain time.Duration
}

// DefaultPolicy: one-minute windows, 5 s of disorder, 10 s of lateness,
// 30-minute sessions.
func DefaultPolicy() Policy {
	return Policy{Size: time.Minute, Disorder: 5 * time.Second, Lateness: 10 * time.Second,
		Gap: 30 * time.Minute, Retain: time.Minute}
}

// Record is a well-formed event as the window stage gets it: its place in the
// log and the edge's receive time.
type Record struct {
	Raw   []byte // the beacon as logged, for the late-data subject
	Seq   uint64
	Recv  int64
	Event clickstream.Event
}

// EventTime is when the user acted, on the edge's clock: the device's
// timestamp corrected by the device's own offset, measured when the beacon
// was sent (ts − sent + recv). A producer whose clock runs ahead is moved
// back to true time, give or take the network's delay.
func EventTime(r Record) int64 { return r.Event.TS - r.Event.Sent + r.Recv }

// WindowOf is the start of the window holding time t (Unix ms).
func (p Policy) WindowOf(t int64) int64 {
	size := p.Size.Milliseconds()
	s := t - t%size
	if t < 0 && t%size != 0 {
		s -= size
	}
	return s
}

// closed reports whether the window starting at start is final under the
// watermark wm: later events for it are late.
func (p Policy) closed(start, wm int64) bool {
	return start+p.Size.Milliseconds()+p.Lateness.Milliseconds() <= wm
}

// remembered reports whether an event counted at time t is still held by
// the dedupe state under watermark wm.
func (p Policy) remembered(t, wm int64) bool {
	return wm < p.WindowOf(t)+(p.Size+p.Lateness+p.Retain).Milliseconds()
}

// Reasons an event is not counted. Every dropped event has one.
const (
	Malformed = "malformed" // not an event: dead-lettered
	Bot       = "bot"       // a crawler's
	Late      = "late"      // its window was already final: sent to the late-data subject
	Duplicate = "duplicate" // a repeat of an event already counted
)
