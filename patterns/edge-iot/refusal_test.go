package edgeiot

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeCommandAckAndRejectionAreStrict(t *testing.T) {
	_, err := DecodeCommand(mustJSON(DeviceCommand{ID: "cmd-1", Action: "identify", Issuer: "hub"}))
	require.NoError(t, err)
	for _, bad := range []string{"", "reboot", `{"action":"x"}`, `{"id":"c"}`, `{"id":"c","action":"x","extra":1}`, `{"id":"c","action":"x"} {}`} {
		_, err := DecodeCommand([]byte(bad))
		var inv *InvalidError
		assert.ErrorAs(t, err, &inv, "command %q", bad)
	}

	_, err = DecodeAck("cnc-01", mustJSON(CommandAck{ID: "cmd-1", Device: "cnc-01"}))
	require.NoError(t, err)
	for _, bad := range []string{"ack cmd-1", `{"device":"cnc-01"}`, `{"id":"cmd-1","device":"cnc-02"}`, `{"id":"cmd-1"}`} {
		_, err := DecodeAck("cnc-01", []byte(bad))
		assert.Error(t, err, "ack %q", bad)
	}

	ok := Rejection{Device: "cnc-01", Seq: 1, Subject: commandSubject("cnc-01"), Reason: "not JSON", Payload: []byte{0, 1}}
	got, err := DecodeRejection("cnc-01", mustJSON(ok))
	require.NoError(t, err)
	assert.Equal(t, ok, got)
	assert.Equal(t, "not-a-command/cnc-01/1", got.ID())
	for name, r := range map[string]Rejection{
		"other device":  {Device: "cnc-02", Seq: 1, Subject: commandSubject("cnc-01"), Reason: "x"},
		"no seq":        {Device: "cnc-01", Subject: commandSubject("cnc-01"), Reason: "x"},
		"other subject": {Device: "cnc-01", Seq: 1, Subject: "telemetry.cnc-01", Reason: "x"},
		"no reason":     {Device: "cnc-01", Seq: 1, Subject: commandSubject("cnc-01"), Reason: " "},
	} {
		_, err := DecodeRejection("cnc-01", mustJSON(r))
		assert.Error(t, err, name)
	}
	_, err = DecodeRejection("cnc-01", make([]byte, maxWireBytes+1))
	assert.Error(t, err, "oversized")
}
