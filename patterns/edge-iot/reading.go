package edgeiot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Reading is one temperature sample from a machine's sensor, as the device
// sends it over MQTT. Temperatures are integer milli-degrees Celsius (as Linux
// thermal zones report them), so sums over a window are exact.
type Reading struct {
	Device string `json:"device"`
	Seq    uint64 `json:"seq"`     // per-device sequence number, from 1
	TS     int64  `json:"ts"`      // device clock, Unix milliseconds
	TempMC int64  `json:"temp_mc"` // milli-degrees Celsius
}

// Sensor range and payload bounds the edge enforces.
const (
	MinTempMC       = -40_000 // the sensor's lower limit, -40 °C
	MaxTempMC       = 125_000 // the sensor's upper limit, 125 °C
	MaxPayloadBytes = 512     // larger payloads are rejected unread
	maxDeviceIDLen  = 32      // device IDs are short tokens
)

// ID names the reading uniquely: "<device>/<seq>". It is the Nats-Msg-Id the
// edge publishes the reading with, so every copy of a reading is recognised
// as the same one all the way to the hub.
func (r Reading) ID() string { return ReadingID(r.Device, r.Seq) }

// ReadingID builds the ID of reading seq of device.
func ReadingID(device string, seq uint64) string {
	return device + "/" + strconv.FormatUint(seq, 10)
}

// Encode renders the reading as the JSON payload a device publishes.
func (r Reading) Encode() []byte {
	b, err := json.Marshal(r)
	if err != nil { // a struct of strings and integers always marshals
		panic(fmt.Sprintf("encode reading: %v", err))
	}
	return b
}

// ErrInvalid is what every decoding failure matches with errors.Is.
var ErrInvalid = errors.New("invalid reading")

// InvalidError says why a payload is not a valid reading. Reason is the
// short text the edge stores with the payload in the dead-letter stream.
type InvalidError struct{ Reason string }

func (e *InvalidError) Error() string { return "invalid reading: " + e.Reason }

// Is makes errors.Is(err, ErrInvalid) true for every InvalidError.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(format string, args ...any) error {
	return &InvalidError{Reason: fmt.Sprintf(format, args...)}
}

var deviceIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// ValidDeviceID reports whether id can name a device: lower-case letters,
// digits and dashes, at most 32 characters. Such an ID is both a single MQTT
// topic level and a single NATS subject token.
func ValidDeviceID(id string) bool {
	return len(id) <= maxDeviceIDLen && deviceIDPattern.MatchString(id)
}

// wireReading has pointer fields so that a missing field is told apart from
// a zero value.
type wireReading struct {
	Device *string `json:"device"`
	Seq    *uint64 `json:"seq"`
	TS     *int64  `json:"ts"`
	TempMC *int64  `json:"temp_mc"`
}

// DecodeReading parses and validates a payload that arrived on the telemetry
// topic of topicDevice. It accepts exactly one JSON object with the four
// fields of Reading and nothing else, from the device the topic names, with
// a temperature inside the sensor's range. Any failure is an *InvalidError.
func DecodeReading(topicDevice string, payload []byte) (Reading, error) {
	if len(payload) > MaxPayloadBytes {
		return Reading{}, invalid("payload of %d bytes exceeds %d", len(payload), MaxPayloadBytes)
	}
	if !ValidDeviceID(topicDevice) {
		return Reading{}, invalid("topic names no valid device: \"%s\"", clip(topicDevice))
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var w wireReading
	if err := dec.Decode(&w); err != nil {
		return Reading{}, invalid("not a JSON reading: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Reading{}, invalid("trailing data after the JSON object")
	}
	switch {
	case w.Device == nil:
		return Reading{}, invalid("missing field device")
	case w.Seq == nil:
		return Reading{}, invalid("missing field seq")
	case w.TS == nil:
		return Reading{}, invalid("missing field ts")
	case w.TempMC == nil:
		return Reading{}, invalid("missing field temp_mc")
	}
	r := Reading{Device: *w.Device, Seq: *w.Seq, TS: *w.TS, TempMC: *w.TempMC}
	switch {
	case r.Device != topicDevice:
		return Reading{}, invalid("device \"%s\" does not match topic device %q", clip(r.Device), topicDevice)
	case r.Seq == 0:
		return Reading{}, invalid("seq must be at least 1")
	case r.TS <= 0:
		return Reading{}, invalid("ts %d is not a positive Unix time in ms", r.TS)
	case r.TempMC < MinTempMC || r.TempMC > MaxTempMC:
		return Reading{}, invalid("temp_mc %d outside the sensor range [%d, %d]", r.TempMC, MinTempMC, MaxTempMC)
	}
	return r, nil
}

// jsonProblem shortens encoding/json's errors to the part a reader of the
// dead-letter stream needs.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return fmt.Sprintf("field %s: want %s, got JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("syntax error at byte %d", syntaxErr.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated"
	}
	return clip(err.Error())
}

// clip keeps reasons short and printable whatever the payload held:
// non-ASCII and control bytes are escaped, and the result is cut at about
// 48 characters.
func clip(s string) string {
	const max = 48
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var piece string
		if r == utf8.RuneError && size == 1 {
			piece = fmt.Sprintf(`\x%02x`, s[i])
		} else {
			q := strconv.QuoteRuneToASCII(r)
			piece = q[1 : len(q)-1]
		}
		if b.Len()+len(piece) > max {
			b.WriteString("...")
			break
		}
		b.WriteString(piece)
		i += size
	}
	return b.String()
}
