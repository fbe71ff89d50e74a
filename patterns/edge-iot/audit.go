package edgeiot

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DeadLetter is one entry of the dead-letter stream.
type DeadLetter struct {
	ID      string  // its message ID
	Kind    Outcome // malformed, refused or late
	Reason  string
	Topic   string // the subject the payload arrived on
	Payload []byte
}

// HubRecord is everything the hub holds, read back from its streams.
type HubRecord struct {
	Readings       []Reading               // every reading message, copies included
	Copies         map[string]int          // reading ID -> messages at the hub
	Aggregates     map[WindowKey]Aggregate // newest revision of each window
	AggregateMsgs  int                     // aggregate messages, corrections included
	Alerts         map[string]int          // alert ID -> messages at the hub
	DeadLetters    []DeadLetter
	ReadingBytes   int // payload bytes of the readings
	AggregateBytes int // payload bytes of the aggregates, corrections included
}

// ReadHub reads the hub's streams through js, a JetStream context of the
// hub's domain.
func ReadHub(ctx context.Context, js jetstream.JetStream) (HubRecord, error) {
	h := HubRecord{Copies: map[string]int{}, Aggregates: map[WindowKey]Aggregate{}, Alerts: map[string]int{}}
	err := readStream(ctx, js, StreamHubTelemetry, func(m jetstream.Msg) error {
		var r Reading
		if err := json.Unmarshal(m.Data(), &r); err != nil {
			return fmt.Errorf("reading at the hub: %w", err)
		}
		h.Readings = append(h.Readings, r)
		h.Copies[r.ID()]++
		h.ReadingBytes += len(m.Data())
		return nil
	})
	if err != nil {
		return h, err
	}
	err = readStream(ctx, js, StreamHubEvents, func(m jetstream.Msg) error {
		switch {
		case strings.HasPrefix(m.Subject(), "events.agg."):
			var a Aggregate
			if err := json.Unmarshal(m.Data(), &a); err != nil {
				return fmt.Errorf("aggregate at the hub: %w", err)
			}
			h.AggregateMsgs++
			h.AggregateBytes += len(m.Data())
			if cur, ok := h.Aggregates[a.Key()]; !ok || a.Rev > cur.Rev {
				h.Aggregates[a.Key()] = a
			}
		case strings.HasPrefix(m.Subject(), "events.alert."):
			var a Alert
			if err := json.Unmarshal(m.Data(), &a); err != nil {
				return fmt.Errorf("alert at the hub: %w", err)
			}
			h.Alerts[a.ID()]++
		}
		return nil
	})
	if err != nil {
		return h, err
	}
	err = readStream(ctx, js, StreamHubDeadLetter, func(m jetstream.Msg) error {
		h.DeadLetters = append(h.DeadLetters, DeadLetter{
			ID:      m.Headers().Get(nats.MsgIdHdr),
			Kind:    Outcome(m.Headers().Get(HeaderKind)),
			Reason:  m.Headers().Get(HeaderReason),
			Topic:   m.Headers().Get(HeaderTopic),
			Payload: m.Data(),
		})
		return nil
	})
	return h, err
}

// readStream calls fn for every message of a stream, in order, through an
// ordered consumer (no state left on the server).
func readStream(ctx context.Context, js jetstream.JetStream, stream string, fn func(jetstream.Msg) error) error {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return fmt.Errorf("stream %s: %w", stream, err)
	}
	if s.CachedInfo().State.Msgs == 0 {
		return nil
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}
	for {
		m, err := cons.Next(jetstream.FetchContext(ctx))
		if err != nil {
			return fmt.Errorf("read %s: %w", stream, err)
		}
		if err := fn(m); err != nil {
			return err
		}
		meta, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("read %s: %w", stream, err)
		}
		if meta.NumPending == 0 {
			return nil
		}
	}
}

// Audit checks the invariant against real state: what the devices had
// acknowledged by the broker, what the gateway accepted, and what the hub
// holds.
type Audit struct {
	Published []Payload           // from the fleet: every PUBACKed payload
	Accepted  map[string]struct{} // from the gateway's ledger: reading IDs stored at the edge
	Hub       HubRecord
	WindowMS  int64
}

// Findings is the result of an audit: counts for the narration and the
// violations of each part of the invariant.
type Findings struct {
	Accepted, AtHub, Twice, Unknown int // exactly-once
	Windows, WindowsWrong           int // aggregates
	Malformed, MalformedMissing     int // dead letters
	Refused, Lost                   int // valid readings dead-lettered at the limit, or neither there nor at the hub
	Anomalies, AlertsMissing        int // alerts

	ExactlyOnce, Aggregates, DeadLetters, Conservation, AlertsOK []string // violations
}

// Violations lists every violation found.
func (f Findings) Violations() []string {
	var out []string
	for _, v := range [][]string{f.ExactlyOnce, f.Aggregates, f.DeadLetters, f.Conservation, f.AlertsOK} {
		out = append(out, v...)
	}
	return out
}

// maxListed bounds how many examples a violation names.
const maxListed = 5

// Check runs the audit.
func (a Audit) Check() Findings {
	var f Findings
	h := a.Hub

	// Exactly once: every accepted reading at the hub once; nothing else there.
	f.Accepted = len(a.Accepted)
	var missing, twice, unknown []string
	for id := range a.Accepted {
		switch n := h.Copies[id]; {
		case n == 0:
			missing = append(missing, id)
		case n > 1:
			twice = append(twice, fmt.Sprintf("%s x%d", id, n))
		}
	}
	for id := range h.Copies {
		f.AtHub++
		if _, ok := a.Accepted[id]; !ok {
			unknown = append(unknown, id)
		}
	}
	f.Twice, f.Unknown = len(twice), len(unknown)
	f.ExactlyOnce = append(f.ExactlyOnce, listed("accepted at the edge but not at the hub", missing)...)
	f.ExactlyOnce = append(f.ExactlyOnce, listed("at the hub more than once", twice)...)
	f.ExactlyOnce = append(f.ExactlyOnce, listed("at the hub but never accepted at the edge", unknown)...)

	// Aggregates: the hub's newest revision of every window equals the
	// window recomputed from the hub's raw readings, and no window is extra.
	want := Recompute(h.Readings, a.WindowMS)
	f.Windows = len(want)
	var wrong []string
	for k, w := range want {
		got, ok := h.Aggregates[k]
		switch {
		case !ok:
			wrong = append(wrong, k.String()+" missing")
		case !got.SameSummary(w):
			wrong = append(wrong, fmt.Sprintf("%s count %d/%d sum %d/%d", k, got.Count, w.Count, got.SumMC, w.SumMC))
		}
	}
	for k := range h.Aggregates {
		if _, ok := want[k]; !ok {
			wrong = append(wrong, k.String()+" has no readings")
		}
	}
	f.WindowsWrong = len(wrong)
	f.Aggregates = listed("aggregates differ from the recomputation", wrong)

	// Dead letters: every malformed payload there, with a reason; every valid
	// reading either at the hub or dead-lettered as refused or late.
	byPayload := map[string]DeadLetter{}
	refused := map[string]bool{}
	for _, dl := range h.DeadLetters {
		byPayload[dl.Topic+"\x00"+string(dl.Payload)] = dl
		if dl.Kind == OutcomeRefused || dl.Kind == OutcomeLate {
			refused[strings.TrimPrefix(strings.TrimPrefix(dl.ID, "refused/"), "late/")] = true
		}
	}
	var noDL, noReason, lost, noAlert []string
	anomalies := map[string]bool{}
	for _, p := range a.Published {
		if !p.Valid {
			f.Malformed++
			dl, ok := byPayload["devices."+p.Device+".telemetry\x00"+string(p.Body)]
			switch {
			case !ok:
				noDL = append(noDL, p.Key)
			case strings.TrimSpace(dl.Reason) == "":
				noReason = append(noReason, p.Key)
			}
			continue
		}
		if p.Anomaly {
			anomalies["alert/"+p.Key] = true
		}
		if _, ok := a.Accepted[p.Key]; ok {
			continue
		}
		if refused[p.Key] {
			f.Refused++
			continue
		}
		lost = append(lost, p.Key)
	}
	f.MalformedMissing = len(noDL) + len(noReason)
	f.DeadLetters = append(listed("malformed payloads not in the dead-letter stream", noDL),
		listed("dead letters without a reason", noReason)...)
	f.Lost = len(lost)
	f.Conservation = listed("valid readings neither accepted nor dead-lettered", lost)

	// Alerts: every over-temperature reading raised one alert, at the hub once.
	f.Anomalies = len(anomalies)
	for id := range anomalies {
		if h.Alerts[id] != 1 {
			noAlert = append(noAlert, fmt.Sprintf("%s x%d", id, h.Alerts[id]))
		}
	}
	f.AlertsMissing = len(noAlert)
	f.AlertsOK = listed("over-temperature readings without exactly one alert at the hub", noAlert)
	return f
}

// listed turns offending items into one violation naming a few of them.
func listed(what string, items []string) []string {
	if len(items) == 0 {
		return nil
	}
	sort.Strings(items)
	shown := items
	if len(shown) > maxListed {
		shown = shown[:maxListed]
	}
	return []string{fmt.Sprintf("%d %s (%s)", len(items), what, strings.Join(shown, ", "))}
}
