package edge

import (
	"encoding/json"
	"fmt"

	"github.com/patternlab/patternlab/industries/manufacturing/plant"
)

// Event kinds: a line the edge stopped itself, or an anomaly it reported
// for the hub to decide about (the switch -local-stop=false).
const (
	KindStop    = "stop"
	KindAnomaly = "anomaly"
)

// StopEvent records one anomaly and the stop of its line. Its ID is the
// triggering reading's, so however often the reading is delivered, there
// is one event.
type StopEvent struct {
	ID      string  `json:"id"` // "stop/<reading ID>"
	Kind    string  `json:"kind"`
	Plant   string  `json:"plant"`
	Line    string  `json:"line"`
	Machine string  `json:"machine"`
	Reading string  `json:"reading"` // the reading that tripped the rule
	TS      int64   `json:"ts"`      // its plant clock
	Signal  string  `json:"signal"`
	Z       float64 `json:"z"`
}

// StopID is the ID of the stop a reading trips: also the stop command's ID.
func StopID(r plant.Reading) string { return "stop/" + r.ID() }

// Encode renders the event as JSON.
func (e StopEvent) Encode() []byte {
	b, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	return b
}

// DecodeStopEvent parses a stop event.
func DecodeStopEvent(b []byte) (StopEvent, error) {
	var e StopEvent
	if err := json.Unmarshal(b, &e); err != nil || e.ID == "" || (e.Kind != KindStop && e.Kind != KindAnomaly) {
		return StopEvent{}, fmt.Errorf("not a stop event: %q", b)
	}
	return e, nil
}
