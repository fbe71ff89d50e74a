package plant

import (
	"fmt"
	"strings"
)

// Flaws are the ways a machine's firmware can break a payload; Garbage
// makes one of each in turn.
var Flaws = []string{"not-json", "missing-field", "unknown-field", "good-over-count", "unknown-state",
	"vibration-out-of-range", "other-machine", "trailing-data", "oversized"}

// Garbage is payload i of a machine flooding malformed readings: flaw
// Flaws[i%len(Flaws)] applied to an otherwise plausible reading. Each i
// gives different bytes, so every one is a separate dead letter.
func Garbage(machine string, i int, ts int64) (payload []byte, flaw string) {
	flaw = Flaws[i%len(Flaws)]
	r := Reading{Machine: machine, Seq: uint64(1_000_000 + i), TS: ts, MS: 300_000, State: Running,
		Count: 10, Good: 9, TempMC: 61_000, VibUM: 2_300}
	body := string(r.Encode())
	switch flaw {
	case "not-json":
		body = fmt.Sprintf("ERR#%d %s", i, machine)
	case "missing-field":
		body = strings.Replace(body, `"good":9,`, "", 1)
	case "unknown-field":
		body = strings.Replace(body, `{`, `{"fw":"2.1.0",`, 1)
	case "good-over-count":
		body = strings.Replace(body, `"good":9`, `"good":90`, 1)
	case "unknown-state":
		body = strings.Replace(body, `"running"`, `"runnnig"`, 1)
	case "vibration-out-of-range":
		body = strings.Replace(body, `"vib_um":2300`, `"vib_um":-2300`, 1)
	case "other-machine":
		body = strings.Replace(body, `"`+machine+`"`, `"x-l9-m9"`, 1)
	case "trailing-data":
		body += "}"
	case "oversized":
		body = strings.Replace(body, `{`, `{"pad":"`+strings.Repeat("x", MaxPayloadBytes)+`",`, 1)
	}
	return []byte(body), flaw
}
