package workflow_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/patterns/workflow"
)

func TestParseReading(t *testing.T) {
	ok := []struct {
		line string
		want workflow.Reading
	}{
		{"press-01-000001,press-01,pressure,1772431200000,180.5,bar",
			workflow.Reading{Key: "press-01-000001", Machine: "press-01", Metric: workflow.Pressure, AtMS: 1772431200000, Value: 180.5}},
		{"oven-02-000010,oven-02,temperature,1772431200250,212,F",
			workflow.Reading{Key: "oven-02-000010", Machine: "oven-02", Metric: workflow.Temperature, AtMS: 1772431200250, Value: 100}},
		{" lathe-03-000002 , lathe-03 ,vibration,1772431200500,0.1,in/s",
			workflow.Reading{Key: "lathe-03-000002", Machine: "lathe-03", Metric: workflow.Vibration, AtMS: 1772431200500, Value: 2.54}},
		{"press-02-000003,press-02,pressure,1772431200750,15000,kPa",
			workflow.Reading{Key: "press-02-000003", Machine: "press-02", Metric: workflow.Pressure, AtMS: 1772431200750, Value: 150}},
	}
	for _, c := range ok {
		got, err := workflow.ParseReading(c.line)
		require.NoError(t, err, c.line)
		assert.Equal(t, c.want, got, c.line)
	}

	bad := []struct {
		line string
		want error
		kind string
	}{
		{"press-01-000001,press-01,pressure", workflow.ErrFieldCount, "field-count"},
		{"", workflow.ErrFieldCount, "field-count"},
		{",press-01,pressure,1772431200000,1,bar", workflow.ErrEmptyField, "bad-identifier"},
		{"PRESS-01,press-01,pressure,1772431200000,1,bar", workflow.ErrEmptyField, "bad-identifier"},
		{"k,press-01,presure,1772431200000,1,bar", workflow.ErrUnknownMetric, "unknown-metric"},
		{"k,press-01,pressure,2026-03-02T06:00:00Z,1,bar", workflow.ErrBadTimestamp, "bad-timestamp"},
		{"k,press-01,pressure,1000,1,bar", workflow.ErrBadTimestamp, "bad-timestamp"},
		{"k,press-01,pressure,1772431200000,n/a,bar", workflow.ErrBadValue, "bad-value"},
		{"k,press-01,pressure,1772431200000,NaN,bar", workflow.ErrBadValue, "bad-value"},
		{"k,press-01,pressure,1772431200000,+Inf,bar", workflow.ErrBadValue, "bad-value"},
		{"k,press-01,pressure,1772431200000,1,kg", workflow.ErrUnknownUnit, "unknown-unit"},
		{"k,press-01,pressure,1772431200000,1,C", workflow.ErrUnknownUnit, "unknown-unit"},
		{"k,press-01,pressure,1772431200000,9999,bar", workflow.ErrOutOfRange, "out-of-range"},
		{"k,oven-01,temperature,1772431200000,-500,C", workflow.ErrOutOfRange, "out-of-range"},
	}
	for _, c := range bad {
		_, err := workflow.ParseReading(c.line)
		require.ErrorIs(t, err, c.want, c.line)
		var pe *workflow.ParseError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, c.kind, pe.Kind(), c.line)
	}
}

func TestCleanLineRejectsWithTheReason(t *testing.T) {
	_, rej := workflow.CleanLine(workflow.Line{ID: "line-000007", Raw: "k,press-01,pressure,1772431200000,1,kg"})
	require.NotNil(t, rej)
	assert.Equal(t, workflow.Rejection{
		LineID: "line-000007", Stage: workflow.Clean, Kind: "unknown-unit",
		Reason: `clean: unit "kg": unit not valid for the metric`,
		Raw:    "k,press-01,pressure,1772431200000,1,kg",
	}, *rej)
}

// FuzzParseReading: the parser never panics, every failure is a ParseError
// naming one of the reasons, and every success survives a round trip
// through Format.
func FuzzParseReading(f *testing.F) {
	for _, l := range workflow.Generate(3, 200).Lines {
		f.Add(l.Raw)
	}
	f.Add("k,m,vibration,1772431200000,1e308,in/s")
	f.Add("k,m,temperature,1772431200000,0x1p-2,K")
	f.Add(",,,,,")
	f.Fuzz(func(t *testing.T, line string) {
		r, err := workflow.ParseReading(line)
		if err != nil {
			var pe *workflow.ParseError
			if !errors.As(err, &pe) || pe.Kind() == "" {
				t.Fatalf("ParseReading(%q): %v is not a ParseError with a known reason", line, err)
			}
			return
		}
		again, err := workflow.ParseReading(workflow.Format(r))
		if err != nil {
			t.Fatalf("Format(%+v) = %q does not parse: %v", r, workflow.Format(r), err)
		}
		if again != r {
			t.Fatalf("round trip of %q: %+v became %+v", line, r, again)
		}
	})
}
