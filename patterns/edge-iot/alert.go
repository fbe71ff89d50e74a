package edgeiot

import (
	"encoding/json"
	"fmt"
)

// Alert is raised at the edge when a reading crosses the over-temperature
// limit. The edge raises it from the reading alone, so it is raised (and the
// machine told to cool down) even while the hub is unreachable.
type Alert struct {
	Device  string `json:"device"`
	Seq     uint64 `json:"seq"`
	TS      int64  `json:"ts"`
	TempMC  int64  `json:"temp_mc"`
	LimitMC int64  `json:"limit_mc"`
}

// ID is the alert's message ID: one alert per reading, however often the
// reading is delivered.
func (a Alert) ID() string { return "alert/" + ReadingID(a.Device, a.Seq) }

// Encode renders the alert as JSON.
func (a Alert) Encode() []byte {
	b, err := json.Marshal(a)
	if err != nil {
		panic(fmt.Sprintf("encode alert: %v", err))
	}
	return b
}

// Detector is the edge's local anomaly rule: a reading above LimitMC is an
// over-temperature alert. It is deliberately simple: what matters here is
// where it runs (next to the machines, without the hub), not how clever it is.
type Detector struct {
	LimitMC int64
}

// Check returns the alert r raises, if any. A nil Detector raises none.
func (d *Detector) Check(r Reading) (Alert, bool) {
	if d == nil || r.TempMC <= d.LimitMC {
		return Alert{}, false
	}
	return Alert{Device: r.Device, Seq: r.Seq, TS: r.TS, TempMC: r.TempMC, LimitMC: d.LimitMC}, true
}

// DeviceCommand is an instruction to one device, sent to the MQTT topic
// commands/<device>. Devices apply a command ID once, however often it
// arrives, and acknowledge every copy.
type DeviceCommand struct {
	ID     string `json:"id"`
	Action string `json:"action"`
	Issuer string `json:"issuer"` // "hub" or "edge"
}

// CommandAck is a device's acknowledgement of a command, published on
// devices/<device>/acks.
type CommandAck struct {
	ID     string `json:"id"`
	Device string `json:"device"`
}

// ReflexAction is the command the edge sends a machine whose reading raised
// an alert: a local control loop that needs no hub.
const ReflexAction = "cool-down"

// reflexCommand is the edge's command for an alert.
func reflexCommand(a Alert) DeviceCommand {
	return DeviceCommand{ID: "reflex/" + ReadingID(a.Device, a.Seq), Action: ReflexAction, Issuer: "edge"}
}
