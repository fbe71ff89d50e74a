package edgeiot

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Limit is a stream's retention budget: it holds at most MaxMsgs messages and
// MaxBytes bytes, whichever comes first.
type Limit struct {
	MaxMsgs  int64
	MaxBytes int64
}

func (l Limit) String() string {
	return fmt.Sprintf("%d msgs / %d KiB", l.MaxMsgs, l.MaxBytes/1024)
}

// EdgeLimits are the budgets of the edge's streams. Every edge stream uses
// the discard-new policy: a full stream refuses a message with an error the
// publisher sees, instead of silently evicting an older one nobody forwarded.
type EdgeLimits struct {
	// Buffer bounds TELEMETRY, the readings the hub has not confirmed yet.
	// It is the store-and-forward buffer: size it for the longest outage to
	// ride out (readings per second times seconds of outage). When it is
	// full, the gateway dead-letters new readings with the reason
	// "edge buffer full".
	Buffer Limit
	// Events bounds EVENTS (alerts and window aggregates) not yet at the hub.
	Events Limit
	// DeadLetter bounds DLQ; when it is full the gateway stops and retries,
	// and raw payloads wait in the MQTT landing stream, which only the edge
	// server's storage limit (EdgeConfig.MaxStore) bounds. Past that,
	// nats-server cannot store a QoS 1 message, withholds the PUBACK and
	// drops the device's connection: the device keeps the reading and
	// retries, so the last line of backpressure is the device itself.
	DeadLetter Limit
	// DuplicateWindow is how long a message ID is remembered for dedupe, at
	// the edge and again at the hub. It must exceed the longest time a device,
	// the gateway or the forwarder may take to resend the same message: at
	// the hub, that is the longest outage to ride out.
	DuplicateWindow time.Duration
	// InFlight bounds how many messages of each uplink the forwarder has
	// sent to the hub without the hub's acknowledgement.
	InFlight int
}

// DefaultEdgeLimits is sized for the demo's fleet: a few thousand readings of
// about 150 bytes each.
func DefaultEdgeLimits() EdgeLimits {
	return EdgeLimits{
		Buffer:          Limit{MaxMsgs: 10_000, MaxBytes: 8 << 20},
		Events:          Limit{MaxMsgs: 10_000, MaxBytes: 8 << 20},
		DeadLetter:      Limit{MaxMsgs: 10_000, MaxBytes: 16 << 20},
		DuplicateWindow: 2 * time.Minute,
		InFlight:        4096,
	}
}

// Uplink is an edge stream whose messages the Forwarder moves into a hub
// stream.
type Uplink struct {
	Edge, Hub string
	// Subjects are the hub stream's subjects: what the forwarders of every
	// edge publish to (uplink.<edge domain>.<edge subject>).
	Subjects []string
}

// Uplinks are the streams the hub receives from the edge.
var Uplinks = []Uplink{
	{Edge: StreamTelemetry, Hub: StreamHubTelemetry, Subjects: []string{hubSubject("*", subjectTelemetryAll)}},
	{Edge: StreamEvents, Hub: StreamHubEvents, Subjects: []string{hubSubject("*", subjectAlertAll), hubSubject("*", subjectAggregateAll)}},
	{Edge: StreamDeadLetter, Hub: StreamHubDeadLetter, Subjects: []string{hubSubject("*", subjectDLQAll)}},
}

// UplinkConsumer is the forwarder's durable consumer on each uplink stream
// at the edge.
const UplinkConsumer = "HUB"

// uplinkAckWait is how long a message may be with the forwarder before the
// edge delivers it again: longer than a batch takes (the forwarder's
// timeout), so only a lost acknowledgement brings a message back.
const uplinkAckWait = 5 * time.Second

// SetupEdgeStreams creates (or updates) the edge's streams and the
// forwarder's consumers through js, a JetStream context of the edge, and
// mqttURL, the edge's MQTT listener (see SetupLanding).
//
// The uplink streams (TELEMETRY, EVENTS, DLQ) use work-queue retention: the
// Forwarder acknowledges a message once the hub has stored it, and only
// then does the edge delete it. So an uplink stream holds exactly what the
// hub has not confirmed, and its limit is the size of the store-and-forward
// buffer. All use file storage: an edge restart keeps what was accepted.
// sg turns safeguards off for the demo's switches; the zero value keeps
// them.
func SetupEdgeStreams(ctx context.Context, js jetstream.JetStream, mqttURL string, lim EdgeLimits, sg Safeguards) error {
	if err := SetupLanding(ctx, js, mqttURL); err != nil {
		return err
	}
	uplink := func(name, desc string, subjects []string, l Limit) jetstream.StreamConfig {
		return jetstream.StreamConfig{
			Name:        name,
			Description: desc,
			Subjects:    subjects,
			Retention:   jetstream.WorkQueuePolicy,
			Storage:     jetstream.FileStorage,
			Discard:     jetstream.DiscardNew,
			MaxMsgs:     l.MaxMsgs,
			MaxBytes:    l.MaxBytes,
			Duplicates:  lim.DuplicateWindow,
		}
	}
	buffer := uplink(StreamTelemetry, "accepted readings the hub has not confirmed", []string{subjectTelemetryAll}, lim.Buffer)
	if sg.DiscardOld {
		buffer.Discard = jetstream.DiscardOld
	}
	if sg.NoBufferLimit {
		buffer.MaxMsgs, buffer.MaxBytes = -1, -1
	}
	streams := []jetstream.StreamConfig{
		buffer,
		uplink(StreamEvents, "alerts and per-window aggregates the hub has not confirmed",
			[]string{subjectAlertAll, subjectAggregateAll}, lim.Events),
		uplink(StreamDeadLetter, "payloads the gateway refused, with the reason",
			[]string{subjectDLQAll}, lim.DeadLetter),
	}
	for _, cfg := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("edge stream %s: %w", cfg.Name, err)
		}
	}
	for _, u := range Uplinks {
		_, err := js.CreateOrUpdateConsumer(ctx, u.Edge, jetstream.ConsumerConfig{
			Durable:       UplinkConsumer,
			Description:   "the forwarder to the hub's stream " + u.Hub,
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       uplinkAckWait,
			MaxAckPending: lim.InFlight,
		})
		if err != nil {
			return fmt.Errorf("uplink consumer on %s: %w", u.Edge, err)
		}
	}
	return nil
}

// SetupHubStreams creates (or updates) the hub streams through js, a
// JetStream context of the hub. Each captures what the forwarders of every
// edge publish for it (uplink.<edge domain>.<subject>), and dedupes by
// Nats-Msg-Id over dupWindow: a message forwarded again after a lost
// acknowledgement is stored once. The window must outlast the longest
// outage, since the copy comes only when the link is back.
func SetupHubStreams(ctx context.Context, js jetstream.JetStream, dupWindow time.Duration) error {
	for _, u := range Uplinks {
		cfg := jetstream.StreamConfig{
			Name:        u.Hub,
			Description: fmt.Sprintf("%s of every edge, as their forwarders deliver it", u.Edge),
			Subjects:    u.Subjects,
			Storage:     jetstream.FileStorage,
			Duplicates:  dupWindow,
		}
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("hub stream %s: %w", u.Hub, err)
		}
	}
	return nil
}
