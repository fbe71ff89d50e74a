package lab

import (
	"encoding/json"
	"strings"

	"github.com/patternlab/patternlab/kit/narrate"
)

// Event is one line of a run's history: the demo's own narrate events, and
// the lab's around them (the kinds below).
type Event = narrate.Event

// Kinds the lab adds to a demo's events.
const (
	KindRun    = "run"    // the history's first line: module, args, servers (Fields)
	KindBuild  = "build"  // building a server or the demo binary
	KindStdout = "stdout" // a line the demo printed that is not an event
	KindStderr = "stderr" // a line of the demo's stderr (usage errors, logs)
	KindLab    = "lab"    // what the lab did: a fault requested, a stop
	KindExit   = "exit"   // the last line: exit code (Fields), OK when 0
)

// parseLine turns one line of a demo's stdout into an event: a JSON event
// as narrate writes it, or the text as a stdout event.
func parseLine(line string) Event {
	var e Event
	if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &e) == nil && e.Kind != "" {
		return e
	}
	return Event{Kind: KindStdout, Text: line}
}

// offerChange reads a control event: the fault it offers or withdraws.
func offerChange(e Event) (name string, offered, ok bool) {
	if e.Kind != narrate.KindControl {
		return "", false, false
	}
	if s, is := e.Fields["offer"].(string); is {
		return s, true, true
	}
	if s, is := e.Fields["withdraw"].(string); is {
		return s, false, true
	}
	return "", false, false
}
