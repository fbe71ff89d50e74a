package pipeline_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

func TestParseReading(t *testing.T) {
	ok := []struct {
		line string
		want pipeline.Reading
	}{
		{"press-01-000001,press-01,pressure,1772431200000,180.5,bar",
			pipeline.Reading{Key: "press-01-000001", Machine: "press-01", Metric: pipeline.Pressure, AtMS: 1772431200000, Value: 180.5}},
		{"oven-02-000010,oven-02,temperature,1772431200250,212,F",
			pipeline.Reading{Key: "oven-02-000010", Machine: "oven-02", Metric: pipeline.Temperature, AtMS: 1772431200250, Value: 100}},
		{" lathe-03-000002 , lathe-03 ,vibration,1772431200500,0.1,in/s",
			pipeline.Reading{Key: "lathe-03-000002", Machine: "lathe-03", Metric: pipeline.Vibration, AtMS: 1772431200500, Value: 2.54}},
		{"press-02-000003,press-02,pressure,1772431200750,15000,kPa",
			pipeline.Reading{Key: "press-02-000003", Machine: "press-02", Metric: pipeline.Pressure, AtMS: 1772431200750, Value: 150}},
	}
	for _, c := range ok {
		got, err := pipeline.ParseReading(c.line)
		require.NoError(t, err, c.line)
		assert.Equal(t, c.want, got, c.line)
	}

	bad := []struct {
		line string
		want error
		kind string
	}{
		{"press-01-000001,press-01,pressure", pipeline.ErrFieldCount, "field-count"},
		{"", pipeline.ErrFieldCount, "field-count"},
		{",press-01,pressure,1772431200000,1,bar", pipeline.ErrEmptyField, "bad-identifier"},
		{"PRESS-01,press-01,pressure,1772431200000,1,bar", pipeline.ErrEmptyField, "bad-identifier"},
		{"k,press-01,presure,1772431200000,1,bar", pipeline.ErrUnknownMetric, "unknown-metric"},
		{"k,press-01,pressure,2026-03-02T06:00:00Z,1,bar", pipeline.ErrBadTimestamp, "bad-timestamp"},
		{"k,press-01,pressure,1000,1,bar", pipeline.ErrBadTimestamp, "bad-timestamp"},
		{"k,press-01,pressure,1772431200000,n/a,bar", pipeline.ErrBadValue, "bad-value"},
		{"k,press-01,pressure,1772431200000,NaN,bar", pipeline.ErrBadValue, "bad-value"},
		{"k,press-01,pressure,1772431200000,+Inf,bar", pipeline.ErrBadValue, "bad-value"},
		{"k,press-01,pressure,1772431200000,1,kg", pipeline.ErrUnknownUnit, "unknown-unit"},
		{"k,press-01,pressure,1772431200000,1,C", pipeline.ErrUnknownUnit, "unknown-unit"},
		{"k,press-01,pressure,1772431200000,9999,bar", pipeline.ErrOutOfRange, "out-of-range"},
		{"k,oven-01,temperature,1772431200000,-500,C", pipeline.ErrOutOfRange, "out-of-range"},
	}
	for _, c := range bad {
		_, err := pipeline.ParseReading(c.line)
		require.ErrorIs(t, err, c.want, c.line)
		var pe *pipeline.ParseError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, c.kind, pe.Kind(), c.line)
	}
}

// Fault: bad-input | target: the cleaning stage, a line whose unit is not valid for its metric | invariant: rejected with its kind, its reason and the raw line
func TestCleanLineRejectsWithTheReason(t *testing.T) {
	_, rej := pipeline.CleanLine(pipeline.Line{ID: "line-000007", Raw: "k,press-01,pressure,1772431200000,1,kg"})
	require.NotNil(t, rej)
	assert.Equal(t, pipeline.Rejection{
		LineID: "line-000007", Stage: pipeline.Clean, Kind: "unknown-unit",
		Reason: `clean: unit "kg": unit not valid for the metric`,
		Raw:    "k,press-01,pressure,1772431200000,1,kg",
	}, *rej)
}

// FuzzParseReading: the parser never panics, every failure is a ParseError
// naming one of the reasons, and every success survives a round trip
// through Format.
func FuzzParseReading(f *testing.F) {
	for _, l := range pipeline.Generate(3, 200).Lines {
		f.Add(l.Raw)
	}
	f.Add("k,m,vibration,1772431200000,1e308,in/s")
	f.Add("k,m,temperature,1772431200000,0x1p-2,K")
	f.Add(",,,,,")
	f.Fuzz(func(t *testing.T, line string) {
		r, err := pipeline.ParseReading(line)
		if err != nil {
			var pe *pipeline.ParseError
			if !errors.As(err, &pe) || pe.Kind() == "" {
				t.Fatalf("ParseReading(%q): %v is not a ParseError with a known reason", line, err)
			}
			return
		}
		again, err := pipeline.ParseReading(pipeline.Format(r))
		if err != nil {
			t.Fatalf("Format(%+v) = %q does not parse: %v", r, pipeline.Format(r), err)
		}
		if again != r {
			t.Fatalf("round trip of %q: %+v became %+v", line, r, again)
		}
	})
}
