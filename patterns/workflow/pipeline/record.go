package pipeline

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Line is one input record as the collector read it: its place in the source,
// which is the identity the invariant is about, and its raw text.
type Line struct {
	ID  string `json:"id"`  // "line-000042": the 42nd line of the source
	Raw string `json:"raw"` // as read, possibly malformed
}

// LineID names the n-th line (1-based) of a source.
func LineID(n int) string { return fmt.Sprintf("line-%06d", n) }

// Reading is a well-formed sensor reading after cleaning: the value is in the
// metric's canonical unit.
type Reading struct {
	Key     string  `json:"key"`     // the reading's own ID, set by the machine
	Machine string  `json:"machine"` // e.g. "press-04"
	Metric  Metric  `json:"metric"`
	AtMS    int64   `json:"at_ms"` // Unix milliseconds
	Value   float64 `json:"value"` // in Metric.Unit()
}

// Reasons a line is rejected by the clean stage. A ParseError wraps exactly
// one of them, so callers branch with errors.Is and the store records Kind.
var (
	ErrFieldCount    = errors.New("want 6 comma-separated fields: key,machine,metric,unix_ms,value,unit")
	ErrEmptyField    = errors.New("empty or invalid identifier")
	ErrBadTimestamp  = errors.New("timestamp is not Unix milliseconds between 2020 and 2100")
	ErrBadValue      = errors.New("value is not a finite number")
	ErrUnknownMetric = errors.New("unknown metric")
	ErrUnknownUnit   = errors.New("unit not valid for the metric")
	ErrOutOfRange    = errors.New("value outside the sensor's physical range")
)

// kinds names each parse failure in the store and in the narration.
var kinds = map[error]string{
	ErrFieldCount:    "field-count",
	ErrEmptyField:    "bad-identifier",
	ErrBadTimestamp:  "bad-timestamp",
	ErrBadValue:      "bad-value",
	ErrUnknownMetric: "unknown-metric",
	ErrUnknownUnit:   "unknown-unit",
	ErrOutOfRange:    "out-of-range",
}

// ParseError says why a line is not a reading.
type ParseError struct {
	Field string // the field at fault, or "line"
	Value string // the offending text, shortened
	Err   error  // one of the Err* reasons
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s %q: %v", e.Field, e.Value, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Kind is a short stable name for the reason, e.g. "unknown-unit".
func (e *ParseError) Kind() string { return kinds[e.Err] }

func parseErr(field, value string, err error) *ParseError {
	if len(value) > 32 {
		value = value[:32] + "..."
	}
	return &ParseError{Field: field, Value: value, Err: err}
}

// Valid timestamps: 2020-01-01 to 2100-01-01, in Unix milliseconds.
const (
	minAtMS = 1577836800000
	maxAtMS = 4102444800000
)

// ParseReading parses and validates one line of the source,
// "key,machine,metric,unix_ms,value,unit", and converts the value to the
// metric's canonical unit. It never panics; every failure is a *ParseError.
func ParseReading(raw string) (Reading, error) {
	f := strings.Split(raw, ",")
	if len(f) != 6 {
		return Reading{}, parseErr("line", raw, ErrFieldCount)
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	key, machine, metricText, atText, valueText, unitText := f[0], f[1], f[2], f[3], f[4], f[5]
	if !isIdentifier(key) {
		return Reading{}, parseErr("key", key, ErrEmptyField)
	}
	if !isIdentifier(machine) {
		return Reading{}, parseErr("machine", machine, ErrEmptyField)
	}
	metric, ok := metrics[Metric(metricText)]
	if !ok {
		return Reading{}, parseErr("metric", metricText, ErrUnknownMetric)
	}
	at, err := strconv.ParseInt(atText, 10, 64)
	if err != nil || at < minAtMS || at >= maxAtMS {
		return Reading{}, parseErr("unix_ms", atText, ErrBadTimestamp)
	}
	v, err := strconv.ParseFloat(valueText, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Reading{}, parseErr("value", valueText, ErrBadValue)
	}
	toCanonical, ok := metric.units[unitText]
	if !ok {
		return Reading{}, parseErr("unit", unitText, ErrUnknownUnit)
	}
	v = toCanonical(v)
	if v < metric.min || v > metric.max {
		return Reading{}, parseErr("value", valueText+" "+unitText, ErrOutOfRange)
	}
	return Reading{Key: key, Machine: machine, Metric: Metric(metricText), AtMS: at, Value: v}, nil
}

// Format writes r as a line of the source in canonical units, so that
// ParseReading(Format(r)) == r.
func Format(r Reading) string {
	return strings.Join([]string{
		r.Key, r.Machine, string(r.Metric),
		strconv.FormatInt(r.AtMS, 10),
		strconv.FormatFloat(r.Value, 'g', -1, 64),
		r.Metric.Unit(),
	}, ",")
}

// isIdentifier accepts the IDs machines send: 1 to 64 of [a-z0-9-].
func isIdentifier(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}
