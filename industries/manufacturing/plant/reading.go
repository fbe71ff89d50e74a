package plant

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// State is what a machine was doing during an interval.
type State string

// The machine states. Only running makes parts; idle (starved or blocked
// by its neighbours), down (a breakdown) and stopped (halted by the edge's
// anomaly rule until it is repaired) all cost availability.
const (
	Running State = "running"
	Idle    State = "idle"
	Down    State = "down"
	Stopped State = "stopped"
)

// Reading bounds: a payload outside them is refused as out of range.
const (
	MaxPayloadBytes = 512
	MinTempMC       = -40_000  // -40 °C
	MaxTempMC       = 150_000  // 150 °C
	MaxVibUM        = 100_000  // 100 mm/s RMS, far past any machine's trip level
	MaxIntervalMS   = 3600_000 // an hour
)

// Reading is what a machine reports for one interval of the plant clock.
// Temperatures are milli-degrees Celsius and vibration micrometres per
// second (RMS velocity, as ISO 10816 measures it), all integers, so every
// sum over a shift is exact.
type Reading struct {
	Machine string `json:"machine"`
	Seq     uint64 `json:"seq"`   // the interval's number for this machine, from 1
	TS      int64  `json:"ts"`    // plant clock at the interval's start, Unix ms
	MS      int64  `json:"ms"`    // the interval's length
	State   State  `json:"state"` // what the machine did in it
	Count   int64  `json:"count"` // parts made, good and scrap
	Good    int64  `json:"good"`
	TempMC  int64  `json:"temp_mc"`
	VibUM   int64  `json:"vib_um"`
}

// ID names the reading uniquely, "<machine>/<seq>": every copy of a
// reading carries it (as its Nats-Msg-Id), so copies are recognised all the
// way to the hub.
func (r Reading) ID() string { return fmt.Sprintf("%s/%d", r.Machine, r.Seq) }

// Scrap is the parts made that are not good.
func (r Reading) Scrap() int64 { return r.Count - r.Good }

// Encode renders the reading as the JSON a machine publishes.
func (r Reading) Encode() []byte {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // a struct of strings and integers always encodes
	}
	return b
}

// ErrInvalid is what every decoding failure matches with errors.Is.
var ErrInvalid = errors.New("invalid reading")

// InvalidError says why a payload is not a valid reading. Reason is the
// short text a dead letter carries.
type InvalidError struct{ Reason string }

func (e *InvalidError) Error() string        { return "invalid reading: " + e.Reason }
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(format string, args ...any) error {
	return &InvalidError{Reason: fmt.Sprintf(format, args...)}
}

// wire has a pointer per field so that a missing field is told apart from
// a zero.
type wire struct {
	Machine *string `json:"machine"`
	Seq     *uint64 `json:"seq"`
	TS      *int64  `json:"ts"`
	MS      *int64  `json:"ms"`
	State   *State  `json:"state"`
	Count   *int64  `json:"count"`
	Good    *int64  `json:"good"`
	TempMC  *int64  `json:"temp_mc"`
	VibUM   *int64  `json:"vib_um"`
}

// Decode parses and validates a payload machine published (the machine
// the topic names). It accepts exactly one JSON object with every field of
// Reading and no other, from that machine, with values a machine can
// report. Any failure is an *InvalidError.
func Decode(machine string, payload []byte) (Reading, error) {
	if len(payload) > MaxPayloadBytes {
		return Reading{}, invalid("payload of %d bytes, over %d", len(payload), MaxPayloadBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var w wire
	if err := dec.Decode(&w); err != nil {
		return Reading{}, invalid("not a reading: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Reading{}, invalid("data after the reading")
	}
	if w.Machine == nil || w.Seq == nil || w.TS == nil || w.MS == nil || w.State == nil ||
		w.Count == nil || w.Good == nil || w.TempMC == nil || w.VibUM == nil {
		return Reading{}, invalid("missing field")
	}
	r := Reading{Machine: *w.Machine, Seq: *w.Seq, TS: *w.TS, MS: *w.MS, State: *w.State,
		Count: *w.Count, Good: *w.Good, TempMC: *w.TempMC, VibUM: *w.VibUM}
	return r, r.check(machine)
}

func (r Reading) check(machine string) error {
	switch {
	case r.Machine != machine:
		return invalid("machine %q on the topic of %q", r.Machine, machine)
	case r.Seq == 0:
		return invalid("seq 0")
	case r.MS <= 0 || r.MS > MaxIntervalMS:
		return invalid("interval of %d ms out of range", r.MS)
	case r.State != Running && r.State != Idle && r.State != Down && r.State != Stopped:
		return invalid("unknown state %q", r.State)
	case r.Count < 0 || r.Good < 0 || r.Good > r.Count:
		return invalid("counts out of range: %d good of %d", r.Good, r.Count)
	case r.Count > r.MS/1000:
		return invalid("%d parts in %d ms: more than one a second", r.Count, r.MS)
	case r.Count > 0 && r.State != Running:
		return invalid("%d parts while %s", r.Count, r.State)
	case r.TempMC < MinTempMC || r.TempMC > MaxTempMC:
		return invalid("temperature %d m°C out of range", r.TempMC)
	case r.VibUM < 0 || r.VibUM > MaxVibUM:
		return invalid("vibration %d µm/s out of range", r.VibUM)
	}
	return nil
}
