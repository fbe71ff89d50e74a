package narrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// The lab writes control lines to a demo's stdin. Whatever it writes,
// every non-empty line is answered exactly once, in order, with a control
// event naming the request; it is ok exactly when the line is "fault"
// and the name of a fault on offer that could be injected, and an offered
// fault is injected exactly once per such line; no other line injects
// anything. A line longer than 64 KiB is answered with that error.
func FuzzServeControl(f *testing.F) {
	f.Add([]byte("fault crash-consumer\n"))
	f.Add([]byte("fault nope\nfault stall\n\nbogus\nfault crash-consumer\n"))
	f.Add([]byte("  fault   crash-consumer  \r\nfault\tcrash-consumer\nFAULT crash-consumer\n"))
	f.Add([]byte("fault crash-consumer fault crash-consumer"))
	f.Add([]byte("\x00\xff\n\n"))
	f.Add([]byte("fault " + strings.Repeat("\xff", maxControlLine) + "\nfault crash-consumer\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var want []string
		tooLong := map[int]bool{}
		for _, l := range strings.Split(string(data), "\n") {
			if len(l) > maxControlLine {
				tooLong[len(want)] = true
				want = append(want, "")
				continue
			}
			if l = strings.TrimSpace(l); l != "" {
				want = append(want, l)
			}
		}
		var out bytes.Buffer
		n := New(&out, JSON())
		crashed := 0
		n.Offer("crash-consumer", "consumer", "SIGKILL the consumer", func() error { crashed++; return nil })
		n.Offer("stall", "consumer", "stall the consumer", func() error { return errors.New("the consumer is not running") })
		n.serveControl(bytes.NewReader(data))

		var answers []Event
		dec := json.NewDecoder(&out)
		for {
			var e Event
			if err := dec.Decode(&e); err != nil {
				break
			}
			if e.Kind == KindControl && e.Fields["request"] != nil {
				answers = append(answers, e)
			}
		}
		if len(answers) != len(want) {
			t.Fatalf("%q: %d answers to %d lines", data, len(answers), len(want))
		}
		injects := 0
		for i, line := range want {
			if tooLong[i] {
				if a := answers[i]; a.Fields["ok"] != false || a.Fields["error"] != errControlLineTooLong {
					t.Fatalf("line %d, longer than a control line, answered %v", i, a.Fields)
				}
				continue
			}
			verb, arg, _ := strings.Cut(line, " ")
			ok := verb == "fault" && strings.TrimSpace(arg) == "crash-consumer"
			if ok {
				injects++
			}
			a := answers[i]
			if a.Fields["ok"] != ok || (!ok && a.Fields["error"] == "") {
				t.Fatalf("line %q answered %v", line, a.Fields)
			}
			if utf8.ValidString(line) && a.Fields["request"] != line {
				t.Fatalf("line %q answered as request %q", line, a.Fields["request"])
			}
		}
		if crashed != injects {
			t.Fatalf("%q: injected %d times for %d requests", data, crashed, injects)
		}
	})
}
