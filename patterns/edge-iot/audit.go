package edgeiot

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/deadletter"
)

// DeadLetter is one entry of the dead-letter stream, as kit/deadletter
// stores it.
type DeadLetter struct {
	ID      string  // its message ID
	Kind    Outcome // malformed, refused, late, not-a-command or malformed-ack
	Reason  string
	Topic   string // the subject the payload arrived on
	Device  string // the device the topic names, or "unknown"
	Reading string // the reading ID, for a valid reading refused
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
	// Undecodable lists messages that are not what their stream holds
	// (stream/sequence: why). A replay skips and counts them rather than
	// failing: only the module's own clients may publish there, so each one
	// is a finding.
	Undecodable []string
}

// DeadLettersByDevice counts the dead letters of each device, by kind.
func (h HubRecord) DeadLettersByDevice() map[string]map[Outcome]int {
	out := map[string]map[Outcome]int{}
	for _, dl := range h.DeadLetters {
		if out[dl.Device] == nil {
			out[dl.Device] = map[Outcome]int{}
		}
		out[dl.Device][dl.Kind]++
	}
	return out
}

// ReadHub reads the hub's streams through js, a JetStream context of the
// hub's domain.
func ReadHub(ctx context.Context, js jetstream.JetStream) (HubRecord, error) {
	h := HubRecord{Copies: map[string]int{}, Aggregates: map[WindowKey]Aggregate{}, Alerts: map[string]int{}}
	skip := func(stream string, m jetstream.Msg, why error) {
		seq := uint64(0)
		if meta, err := m.Metadata(); err == nil {
			seq = meta.Sequence.Stream
		}
		h.Undecodable = append(h.Undecodable, fmt.Sprintf("%s/%d: %v", stream, seq, why))
	}
	err := readStream(ctx, js, StreamHubTelemetry, "", func(m jetstream.Msg) {
		r, err := decodeStored(m.Data())
		if err != nil {
			skip(StreamHubTelemetry, m, err)
			return
		}
		h.Readings = append(h.Readings, r)
		h.Copies[r.ID()]++
		h.ReadingBytes += len(m.Data())
	})
	if err != nil {
		return h, err
	}
	err = readStream(ctx, js, StreamHubEvents, "", func(m jetstream.Msg) {
		switch subject := edgeSubject(m.Subject()); {
		case strings.HasPrefix(subject, "events.agg."):
			var a Aggregate
			if err := json.Unmarshal(m.Data(), &a); err != nil {
				skip(StreamHubEvents, m, err)
				return
			}
			h.AggregateMsgs++
			h.AggregateBytes += len(m.Data())
			if cur, ok := h.Aggregates[a.Key()]; !ok || a.Rev > cur.Rev {
				h.Aggregates[a.Key()] = a
			}
		case strings.HasPrefix(subject, "events.alert."):
			var a Alert
			if err := json.Unmarshal(m.Data(), &a); err != nil {
				skip(StreamHubEvents, m, err)
				return
			}
			h.Alerts[a.ID()]++
		default:
			skip(StreamHubEvents, m, fmt.Errorf("subject %q is no event", m.Subject()))
		}
	})
	if err != nil {
		return h, err
	}
	letters, err := deadletter.Read(ctx, js, StreamHubDeadLetter)
	if err != nil {
		return h, err
	}
	for _, l := range letters {
		h.DeadLetters = append(h.DeadLetters, DeadLetter{
			ID:      l.Header.Get(nats.MsgIdHdr),
			Kind:    Outcome(l.Header.Get(HeaderKind)),
			Reason:  l.Reason,
			Topic:   l.Subject,
			Device:  l.Header.Get(HeaderDevice),
			Reading: l.Header.Get(HeaderReading),
			Payload: l.Data,
		})
	}
	return h, nil
}

// HubLog returns the readings of device the hub holds, in the order it
// stored them, copies included: the per-device log an application at the
// hub reads.
func HubLog(ctx context.Context, js jetstream.JetStream, device string) ([]Reading, error) {
	var out []Reading
	var bad error
	err := readStream(ctx, js, StreamHubTelemetry, hubSubject("*", telemetrySubject(device)), func(m jetstream.Msg) {
		r, err := decodeStored(m.Data())
		if err != nil && bad == nil {
			bad = fmt.Errorf("reading of %s at the hub: %w", device, err)
		}
		if err == nil {
			out = append(out, r)
		}
	})
	if err == nil {
		err = bad
	}
	return out, err
}

// decodeStored decodes a reading the edge stored (already validated there).
func decodeStored(data []byte) (Reading, error) {
	var r Reading
	if err := json.Unmarshal(data, &r); err != nil {
		return Reading{}, err
	}
	if !ValidDeviceID(r.Device) || r.Seq == 0 {
		return Reading{}, fmt.Errorf("not a reading: %.40q", data)
	}
	return r, nil
}

// edgeSubject is the subject a hub message had at its edge:
// "uplink.<domain>.events.agg.cnc-01" -> "events.agg.cnc-01".
func edgeSubject(hubSubject string) string {
	parts := strings.SplitN(hubSubject, ".", 3)
	if len(parts) < 3 || parts[0] != "uplink" {
		return hubSubject
	}
	return parts[2]
}

// readStream calls fn for every message of a stream (on filter, when not
// empty), in order, through an ordered consumer (no state left on the
// server).
func readStream(ctx context.Context, js jetstream.JetStream, stream, filter string, fn func(jetstream.Msg)) error {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return fmt.Errorf("stream %s: %w", stream, err)
	}
	if s.CachedInfo().State.Msgs == 0 {
		return nil
	}
	cfg := jetstream.OrderedConsumerConfig{}
	if filter != "" {
		cfg.FilterSubjects = []string{filter}
	}
	cons, err := s.OrderedConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}
	if info.NumPending == 0 {
		return nil
	}
	for {
		m, err := cons.Next(jetstream.FetchContext(ctx))
		if err != nil {
			return fmt.Errorf("read %s: %w", stream, err)
		}
		fn(m)
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
	f.ExactlyOnce = append(f.ExactlyOnce, listed("messages at the hub that are no reading, event or dead letter", h.Undecodable)...)

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
		if (dl.Kind == OutcomeRefused || dl.Kind == OutcomeLate) && dl.Reading != "" {
			refused[dl.Reading] = true
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
