package edgeiot

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeReadingAcceptsAValidReading(t *testing.T) {
	r := Reading{Device: "cnc-01", Seq: 42, TS: 1_767_225_600_100, TempMC: 45_250}
	got, err := DecodeReading("cnc-01", r.Encode())
	require.NoError(t, err)
	assert.Equal(t, r, got)
	assert.Equal(t, "cnc-01/42", got.ID())
}

// Fault: bad-input | target: the reading decoder, malformed and out-of-range payloads | invariant: each is refused with the reason that names what is wrong
func TestDecodeReadingRejectsWithAReason(t *testing.T) {
	cases := []struct {
		name, topicDevice, payload, reason string
	}{
		{"empty", "cnc-01", ``, "truncated"},
		{"truncated", "cnc-01", `{"device":"cnc-01","seq":1`, "truncated"},
		{"not json", "cnc-01", "\x00\x17", "syntax error"},
		{"array", "cnc-01", `[1,2]`, "not a JSON reading"},
		{"string temp", "cnc-01", `{"device":"cnc-01","seq":1,"ts":1,"temp_mc":"hot"}`, "field temp_mc"},
		{"float temp", "cnc-01", `{"device":"cnc-01","seq":1,"ts":1,"temp_mc":41.5}`, "field temp_mc"},
		{"negative seq", "cnc-01", `{"device":"cnc-01","seq":-1,"ts":1,"temp_mc":1}`, "field seq"},
		{"missing device", "cnc-01", `{"seq":1,"ts":1,"temp_mc":1}`, "missing field device"},
		{"missing seq", "cnc-01", `{"device":"cnc-01","ts":1,"temp_mc":1}`, "missing field seq"},
		{"missing ts", "cnc-01", `{"device":"cnc-01","seq":1,"temp_mc":1}`, "missing field ts"},
		{"missing temp", "cnc-01", `{"device":"cnc-01","seq":1,"ts":1}`, "missing field temp_mc"},
		{"null temp", "cnc-01", `{"device":"cnc-01","seq":1,"ts":1,"temp_mc":null}`, "missing field temp_mc"},
		{"unknown field", "cnc-01", `{"device":"cnc-01","seq":1,"ts":1,"temp_mc":1,"rpm":9}`, "unknown field"},
		{"trailing", "cnc-01", `{"device":"cnc-01","seq":1,"ts":1,"temp_mc":1}x`, "trailing data"},
		{"other device", "cnc-01", `{"device":"cnc-02","seq":1,"ts":1,"temp_mc":1}`, "does not match topic"},
		{"seq zero", "cnc-01", `{"device":"cnc-01","seq":0,"ts":1,"temp_mc":1}`, "seq must be at least 1"},
		{"ts zero", "cnc-01", `{"device":"cnc-01","seq":1,"ts":0,"temp_mc":1}`, "not a positive Unix time"},
		{"too hot", "cnc-01", `{"device":"cnc-01","seq":1,"ts":1,"temp_mc":125001}`, "outside the sensor range"},
		{"too cold", "cnc-01", `{"device":"cnc-01","seq":1,"ts":1,"temp_mc":-40001}`, "outside the sensor range"},
		{"bad topic device", "CNC_01", `{"device":"CNC_01","seq":1,"ts":1,"temp_mc":1}`, "topic names no valid device"},
		{"too large", "cnc-01", `{"device":"cnc-01","seq":1,"ts":1,"temp_mc":1,"x":"` + strings.Repeat("y", MaxPayloadBytes) + `"}`, "exceeds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeReading(c.topicDevice, []byte(c.payload))
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalid), "errors.Is(err, ErrInvalid) for %v", err)
			var inv *InvalidError
			require.True(t, errors.As(err, &inv))
			assert.Contains(t, inv.Reason, c.reason)
		})
	}
}

func TestDecodeReadingKeepsTheSensorRangeInclusive(t *testing.T) {
	for _, mc := range []int64{MinTempMC, 0, MaxTempMC} {
		r := Reading{Device: "cnc-01", Seq: 1, TS: 1, TempMC: mc}
		_, err := DecodeReading("cnc-01", r.Encode())
		assert.NoError(t, err, "temp_mc %d", mc)
	}
}

func TestEverySimulatedFlawIsRejected(t *testing.T) {
	r := Reading{Device: "cnc-07", Seq: 9, TS: 1_767_225_600_900, TempMC: 44_000}
	for _, flaw := range flaws {
		_, err := DecodeReading("cnc-07", breakReading(r, flaw))
		assert.ErrorIs(t, err, ErrInvalid, flaw)
	}
}

// FuzzDecodeReading: whatever the bytes, the decoder does not panic, fails
// only with an *InvalidError whose reason is short printable text, and what
// it accepts is within the rules and survives a round trip.
func FuzzDecodeReading(f *testing.F) {
	f.Add("cnc-01", []byte(`{"device":"cnc-01","seq":1,"ts":1767225600100,"temp_mc":45250}`))
	f.Add("cnc-01", []byte(`{"device":"cnc-01","seq":1,"ts":1,"temp_mc":"hot"}`))
	f.Add("cnc-01", []byte(`{"device":"cnc-01"`))
	f.Add("x", []byte("\x00\xff"))
	f.Add("cnc-01", []byte(`{"device":"cnc-01","seq":18446744073709551615,"ts":9223372036854775807,"temp_mc":-40000}`))
	f.Fuzz(func(t *testing.T, device string, payload []byte) {
		r, err := DecodeReading(device, payload)
		if err != nil {
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("error %v is not an *InvalidError", err)
			}
			if inv.Reason == "" || len(inv.Reason) > 256 {
				t.Fatalf("reason %q is empty or too long", inv.Reason)
			}
			for _, c := range inv.Reason {
				if c < 0x20 || c > 0x7e {
					t.Fatalf("reason %q has a non-printable character", inv.Reason)
				}
			}
			return
		}
		if r.Device != device || !ValidDeviceID(device) || r.Seq == 0 || r.TS <= 0 ||
			r.TempMC < MinTempMC || r.TempMC > MaxTempMC {
			t.Fatalf("accepted a reading that breaks the rules: %+v from %q", r, device)
		}
		again, err := DecodeReading(device, r.Encode())
		if err != nil || again != r {
			t.Fatalf("round trip of %+v: %+v, %v", r, again, err)
		}
	})
}
