package manufacturing

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/patternlab/patternlab/industries/manufacturing/edge"
	"github.com/patternlab/patternlab/industries/manufacturing/hub"
	"github.com/patternlab/patternlab/industries/manufacturing/oee"
	"github.com/patternlab/patternlab/industries/manufacturing/plant"
	"github.com/patternlab/patternlab/kit/deadletter"
	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"
)

// Findings is what the audit found, from the servers' records and the
// machines' own: each part of the invariant with its evidence.
type Findings struct {
	Raw            int // distinct readings archived at the edges
	ArchivedCopies int // archived reading messages beyond the first of their ID
	// Refused are the archived readings an edge refused because its
	// store-and-forward buffer was full: each at the hub's dead letters
	// with its reason and not counted by the hub. The hub's OEE lacks
	// them; Want is recomputed without them, so that a reading lost on the
	// way (neither counted nor dead-lettered) still shows in OEE.
	Refused    []string
	Want, Live map[oee.Key]oee.Totals
	WantAll    map[oee.Key]oee.Totals // every archived reading, the refused included
	OEE        []string               // line-shifts where the hub differs from the archive, refusals aside

	Stops     []edge.StopEvent // stop events the edges archived, one per ID
	StopsOff  []string         // stop events lost on the way or at the hub more than once
	Latencies []Latency        // per stop: how long its line took to be told
	Late      []string         // lines told after the budget, or never
}

// Latency is one stop's time from the anomalous reading leaving its
// machine to the last machine of its line receiving the stop command.
type Latency struct {
	Stop    string
	Worst   time.Duration
	Issuer  string
	Reached bool // every machine of the line received it
}

// Audit reads the edges' archives and the hub's streams and checks the
// hub's live OEE, the stop events and the stop latencies against them.
func (s *System) Audit(ctx context.Context, budget time.Duration) (Findings, error) {
	var f Findings
	var raw []plant.Reading
	seen := map[string]bool{}
	for _, site := range s.Sites {
		arc, err := edge.ReadArchive(ctx, site.Edge.EdgeJS)
		if err != nil {
			return f, fmt.Errorf("%s: %w", site.Plant.ID, err)
		}
		for _, r := range arc.Readings {
			if seen[r.ID()] {
				f.ArchivedCopies++
				continue
			}
			seen[r.ID()] = true
			raw = append(raw, r)
		}
		ids := map[string]bool{}
		for _, e := range arc.Stops {
			if !ids[e.ID] {
				ids[e.ID] = true
				f.Stops = append(f.Stops, e)
			}
		}
	}
	f.Raw = len(raw)
	refused, err := s.refusedAtHub(ctx, "")
	if err != nil {
		return f, err
	}
	counted := raw[:0:0]
	for _, r := range raw {
		if refused[r.ID()] {
			f.Refused = append(f.Refused, r.ID())
			continue
		}
		counted = append(counted, r)
	}
	slices.Sort(f.Refused)
	if f.Want, err = oee.Recompute(s.cfg.Floor, counted); err != nil {
		return f, err
	}
	if f.WantAll, err = oee.Recompute(s.cfg.Floor, raw); err != nil {
		return f, err
	}
	f.Live = s.OEE.Totals()
	f.OEE = oee.Diff(f.Want, f.Live)

	copies, _, err := hub.StopEvents(ctx, s.HubJS)
	if err != nil {
		return f, err
	}
	for _, e := range f.Stops {
		if n := copies[e.ID]; n != 1 {
			f.StopsOff = append(f.StopsOff, fmt.Sprintf("stop event %s at the hub %d times", e.ID, n))
		}
	}
	for id := range copies {
		if !slices.ContainsFunc(f.Stops, func(e edge.StopEvent) bool { return e.ID == id }) {
			f.StopsOff = append(f.StopsOff, fmt.Sprintf("stop event %s at the hub, not in any edge's archive", id))
		}
	}
	slices.Sort(f.StopsOff)
	for _, e := range f.Stops {
		l := s.latency(e)
		f.Latencies = append(f.Latencies, l)
		switch {
		case !l.Reached:
			f.Late = append(f.Late, fmt.Sprintf("line %s never told to stop for %s", e.Line, e.Reading))
		case l.Worst > budget:
			f.Late = append(f.Late, fmt.Sprintf("line %s stopped %v after %s (budget %v, by the %s)", e.Line, l.Worst.Round(time.Millisecond), e.Reading, budget, l.Issuer))
		}
	}
	return f, nil
}

// refusedAtHub is the IDs of the readings of plantID (every plant when
// empty) that the hub's dead letters hold as refused by a full edge
// buffer and its OEE consumer did not count.
func (s *System) refusedAtHub(ctx context.Context, plantID string) (map[string]bool, error) {
	letters, err := deadletter.Read(ctx, s.HubJS, edgeiot.StreamHubDeadLetter)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, l := range letters {
		id := l.Header.Get(edgeiot.HeaderReading)
		if edgeiot.Outcome(l.Header.Get(edgeiot.HeaderKind)) != edgeiot.OutcomeRefused || id == "" || s.OEE.Counted(id) {
			continue
		}
		if p, _, _, _ := s.cfg.Floor.Where(l.Header.Get(edgeiot.HeaderDevice)); plantID != "" && p.ID != plantID {
			continue
		}
		ids[id] = true
	}
	return ids, nil
}

// RefusedNote is the violation a refusal makes: the hub's OEE lacks what
// a full edge buffer refused, and says which.
func (f Findings) RefusedNote() string {
	if len(f.Refused) == 0 {
		return ""
	}
	return fmt.Sprintf("%d archived readings refused by a full edge buffer (first %s), at the hub's dead letters with their reason and missing from its OEE",
		len(f.Refused), f.Refused[0])
}

// latency measures one stop at the machines: the trigger's send time, as
// its machine's MQTT client saw the PUBACK, to the first copy of the
// command each machine of the line received.
func (s *System) latency(e edge.StopEvent) Latency {
	l := Latency{Stop: e.ID, Reached: true}
	site := s.Site(e.Plant)
	_, line, _, _ := s.cfg.Floor.Where(e.Machine)
	if site == nil {
		return Latency{Stop: e.ID}
	}
	sent, ok := site.Floor.SentAt(e.Reading)
	if !ok {
		return Latency{Stop: e.ID}
	}
	got := map[string]time.Time{}
	for _, st := range site.Floor.Stops() {
		if st.Command == e.ID && st.Received == 1 {
			got[st.Machine] = st.At
			l.Issuer = st.Issuer
		}
	}
	for _, m := range line.Machines {
		at, ok := got[m.ID]
		if !ok {
			l.Reached = false
			continue
		}
		l.Worst = max(l.Worst, at.Sub(sent))
	}
	return l
}

// Violations lists every part of the invariant the findings break.
func (f Findings) Violations() []string {
	var v []string
	if note := f.RefusedNote(); note != "" {
		v = append(v, note)
	}
	v = append(v, f.OEE...)
	v = append(v, f.StopsOff...)
	v = append(v, f.Late...)
	return v
}

// StopLatencies measures every stop the line controllers raised so far,
// at the machines (see Audit), without reading the archives back.
func (s *System) StopLatencies() []Latency {
	var out []Latency
	for _, site := range s.Sites {
		for _, e := range site.Controller.Stops() {
			out = append(out, s.latency(e))
		}
	}
	return out
}
