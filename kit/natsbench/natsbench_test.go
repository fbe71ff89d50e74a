package natsbench

import (
	"strings"
	"testing"
)

func TestParseCSVSumsClientsAndTakesTheSlowest(t *testing.T) {
	report := "#RunID,ClientID,MsgCount,MsgBytes,MsgsPerSec,BytesPerSec,DurationSecs\n" +
		"r1,P0,1000,128000,2000,256000.0,0.500000\n" +
		"r1,P1,1000,128000,1000,128000.0,1.000000\n"
	r, err := ParseCSV([]byte(report))
	if err != nil {
		t.Fatal(err)
	}
	if r.Msgs != 2000 || r.Seconds != 1 || r.MsgsPerSec() != 2000 {
		t.Fatalf("got %+v (%g msgs/s), want 2000 msgs in 1 s", r, r.MsgsPerSec())
	}
}

func TestParseCSVRejectsGarbage(t *testing.T) {
	for name, report := range map[string]string{
		"empty":       "",
		"header only": "#RunID,ClientID,MsgCount,DurationSecs\n",
		"no columns":  "a,b\n1,2\n",
		"bad count":   "MsgCount,DurationSecs\nx,1\n",
		"bad secs":    "MsgCount,DurationSecs\n1,y\n",
		"zero":        "MsgCount,DurationSecs\n0,0\n",
		"short row":   "MsgCount,DurationSecs\n1\n",
	} {
		if r, err := ParseCSV([]byte(report)); err == nil {
			t.Errorf("%s: parsed %+v, want an error", name, r)
		} else if !strings.Contains(err.Error(), "report") {
			t.Errorf("%s: error %q does not name the report", name, err)
		}
	}
}
