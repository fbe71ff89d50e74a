package edgeiot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Every consumer of the module decodes strictly and dead-letters what it
// cannot use: the gateway a payload that is no reading (gateway.go), the
// hub's dispatcher an ack that is no ack of the device its topic names
// (command.go), and a device a payload on its command topic that is no
// command. A device has no JetStream of its own, only MQTT, so it reports
// such a payload to the edge as a Rejection on devices/<device>/rejects,
// and the gateway dead-letters it there, with the device's reason and the
// original subject, the same way it dead-letters a malformed reading.

// DecodeCommand parses a payload that arrived on a device's command topic:
// one JSON object with a non-empty id and action, an optional issuer, and
// nothing else. Any failure is an *InvalidError.
func DecodeCommand(payload []byte) (DeviceCommand, error) {
	var c DeviceCommand
	if err := decodeStrict(payload, &c, "command"); err != nil {
		return DeviceCommand{}, err
	}
	switch {
	case c.ID == "":
		return DeviceCommand{}, invalid("command without an id")
	case c.Action == "":
		return DeviceCommand{}, invalid("command %q without an action", clip(c.ID))
	}
	return c, nil
}

// DecodeAck parses a payload that arrived on the ack topic of device: one
// JSON object with a non-empty id and the device the topic names. Any
// failure is an *InvalidError.
func DecodeAck(device string, payload []byte) (CommandAck, error) {
	var a CommandAck
	if err := decodeStrict(payload, &a, "ack"); err != nil {
		return CommandAck{}, err
	}
	switch {
	case a.ID == "":
		return CommandAck{}, invalid("ack without an id")
	case a.Device != device:
		return CommandAck{}, invalid("ack of device \"%s\" on the ack topic of %q", clip(a.Device), device)
	}
	return a, nil
}

// Rejection is a device's report of a payload on its command topic that is
// not a command, published on devices/<device>/rejects at QoS 1.
type Rejection struct {
	Device  string `json:"device"`
	Seq     uint64 `json:"seq"`     // the device's count of rejections: with Device, the dead letter's ID
	Subject string `json:"subject"` // the NATS subject of the refused payload: commands.<device>
	Reason  string `json:"reason"`
	Payload []byte `json:"payload"` // the refused payload, as it arrived
}

// ID is the rejection's message ID in the dead-letter stream: the same
// report delivered twice is one letter.
func (r Rejection) ID() string { return fmt.Sprintf("%s/%s/%d", OutcomeNotCommand, r.Device, r.Seq) }

// DecodeRejection parses a report that arrived on the rejects topic of
// device. It must come from that device, be numbered and name the device's
// command subject and a reason. Any failure is an *InvalidError.
func DecodeRejection(device string, payload []byte) (Rejection, error) {
	var r Rejection
	if err := decodeStrict(payload, &r, "rejection"); err != nil {
		return Rejection{}, err
	}
	switch {
	case r.Device != device:
		return Rejection{}, invalid("rejection of device \"%s\" on the rejects topic of %q", clip(r.Device), device)
	case r.Seq == 0:
		return Rejection{}, invalid("rejection without a seq")
	case r.Subject != commandSubject(device):
		return Rejection{}, invalid("rejection of a payload on \"%s\", not on %s", clip(r.Subject), commandSubject(device))
	case strings.TrimSpace(r.Reason) == "":
		return Rejection{}, invalid("rejection without a reason")
	}
	return r, nil
}

// maxWireBytes bounds a command, an ack or a rejection; a rejection
// carries at most MaxPayloadBytes of the refused payload, base64-encoded.
const maxWireBytes = 4 * MaxPayloadBytes

// decodeStrict decodes exactly one JSON object into v, refusing unknown
// fields and trailing data.
func decodeStrict(payload []byte, v any, what string) error {
	if len(payload) > maxWireBytes {
		return invalid("%s of %d bytes exceeds %d", what, len(payload), maxWireBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalid("not a JSON %s: %s", what, jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid("trailing data after the JSON %s", what)
	}
	return nil
}

// deviceFromRejectsSubject extracts the device token from
// "devices.<device>.rejects", with or without the landing stream's prefix.
func deviceFromRejectsSubject(subject string) (string, bool) {
	parts := strings.Split(strings.TrimPrefix(subject, mqttStorePrefix), ".")
	if len(parts) != 3 || parts[0] != "devices" || parts[2] != "rejects" {
		return "", false
	}
	return parts[1], true
}
