package eventtime

import (
	"errors"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
)

// Screen is the stream's clean stage for one log record: a malformed beacon
// and, when filterBots is set, a crawler's event are dropped with their
// reason; anything else goes on to the windows.
func Screen(l clickstream.Logged, filterBots bool) (Record, *Drop) {
	ev, err := clickstream.Parse(l.Raw)
	if err != nil {
		detail := err.Error()
		var pe *clickstream.ParseError
		if errors.As(err, &pe) {
			detail = pe.Kind()
		}
		return Record{}, &Drop{Seq: l.Seq, Reason: Malformed, Detail: detail}
	}
	if filterBots && clickstream.IsBot(ev.Agent) {
		return Record{}, &Drop{Seq: l.Seq, Reason: Bot}
	}
	return Record{Seq: l.Seq, Recv: l.Recv, Event: ev, Raw: l.Raw}, nil
}
