package eventtime

import (
	"errors"
	"sort"

	"github.com/patternlab/patternlab/industries/internet/clickstream"
)

// Batch recomputes the analytics over a whole log, in one pass and a few
// plain loops, under the same policy the stream applies: the reference the
// streaming result must equal, window for window.
//
// The stream cannot see the future, so neither may the batch when it
// decides what is late: it walks the log in arrival order with the watermark
// as it stood when each record arrived. Everything else (grouping into
// windows, funnels, sessions) is computed after the walk, from the events it
// counted, without any incremental state.
func Batch(log []clickstream.Logged, p Policy) Result {
	res := Result{Windows: map[int64]Metrics{}, Drops: map[uint64]Drop{}}
	type counted struct {
		rec Record
		t   int64
	}
	var kept []counted
	countedAt := map[string]int64{} // event ID -> its event time, once counted
	var wm int64
	started := false
	for _, l := range log {
		ev, err := clickstream.Parse(l.Raw)
		if err != nil {
			var pe *clickstream.ParseError
			detail := err.Error()
			if errors.As(err, &pe) {
				detail = pe.Kind()
			}
			res.Drops[l.Seq] = Drop{Seq: l.Seq, Reason: Malformed, Detail: detail}
			continue
		}
		if clickstream.IsBot(ev.Agent) {
			res.Drops[l.Seq] = Drop{Seq: l.Seq, Reason: Bot}
			continue
		}
		rec := Record{Seq: l.Seq, Recv: l.Recv, Event: ev}
		t := EventTime(rec)
		orig, seen := countedAt[ev.ID]
		switch {
		case started && p.closed(p.WindowOf(t), wm):
			res.Drops[l.Seq] = Drop{Seq: l.Seq, Reason: Late}
		case seen && (!started || p.remembered(orig, wm)):
			res.Drops[l.Seq] = Drop{Seq: l.Seq, Reason: Duplicate}
		default:
			kept = append(kept, counted{rec, t})
			countedAt[ev.ID] = t
		}
		if next := t - p.Disorder.Milliseconds(); !started || next > wm {
			wm, started = next, true
		}
	}

	windows := map[int64]*Window{}
	for _, c := range kept {
		start := p.WindowOf(c.t)
		if windows[start] == nil {
			windows[start] = NewWindow(start)
		}
		windows[start].Add(c.rec.Seq, c.rec.Event)
	}
	for start, w := range windows {
		res.Windows[start] = w.Metrics()
	}

	byUser := map[string][]int64{}
	for _, c := range kept {
		byUser[c.rec.Event.User] = append(byUser[c.rec.Event.User], c.t)
	}
	gap := p.Gap.Milliseconds()
	for user, times := range byUser {
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		s := Session{User: user, Start: times[0], End: times[0], Events: 1}
		for _, t := range times[1:] {
			if t-s.End > gap {
				res.Sessions = append(res.Sessions, s)
				s = Session{User: user, Start: t, End: t}
			}
			s.End = t
			s.Events++
		}
		res.Sessions = append(res.Sessions, s)
	}
	SortSessions(res.Sessions)
	return res
}
