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
	// the edge and again at the hub. It must exceed the longest time a device
	// or the gateway may take to resend the same reading.
	DuplicateWindow time.Duration
	// InFlight bounds how many messages each uplink has sent to the hub
	// without the hub's acknowledgement.
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

// Uplink is an edge stream that crosses the leafnode link into a hub stream.
type Uplink struct {
	Edge, Hub string
}

// Uplinks are the streams the hub receives from the edge.
var Uplinks = []Uplink{
	{Edge: StreamTelemetry, Hub: StreamHubTelemetry},
	{Edge: StreamEvents, Hub: StreamHubEvents},
	{Edge: StreamDeadLetter, Hub: StreamHubDeadLetter},
}

// UplinkConsumer is the durable consumer on each uplink stream at the edge
// that the hub's stream sources through.
const UplinkConsumer = "HUB"

// uplinkDeliverSubject is where the uplink consumer pushes messages; the
// hub's source subscribes to it across the leafnode link. It names the edge
// domain so that several edges can feed one hub.
func uplinkDeliverSubject(edgeDomain, stream string) string {
	return "uplink." + edgeDomain + "." + stream
}

// apiPrefix is how a client or a stream in one domain reaches the JetStream
// API of another: "$JS.<domain>.API".
func apiPrefix(domain string) string { return "$JS." + domain + ".API" }

// SetupEdgeStreams creates (or updates) the edge's streams and consumers
// through js, a JetStream context of the edge's domain, and mqttURL, the
// edge's MQTT listener (see SetupLanding).
//
// The uplink streams (TELEMETRY, EVENTS, DLQ) use work-queue retention and a
// durable push consumer with the flow-control ack policy (nats-server 2.14+):
// the hub's stream acknowledges what it has stored, and only then does the
// edge delete it. So an uplink stream holds exactly what the hub has not
// confirmed, and its limit is the size of the store-and-forward buffer. All
// use file storage: an edge restart keeps what was accepted.
func SetupEdgeStreams(ctx context.Context, js jetstream.JetStream, edgeDomain, mqttURL string, lim EdgeLimits) error {
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
	streams := []jetstream.StreamConfig{
		uplink(StreamTelemetry, "accepted readings the hub has not confirmed",
			[]string{subjectTelemetryAll}, lim.Buffer),
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
		_, err := js.CreateOrUpdatePushConsumer(ctx, u.Edge, jetstream.ConsumerConfig{
			Durable:        UplinkConsumer,
			Description:    "the hub's stream " + u.Hub + " sources through this consumer",
			DeliverSubject: uplinkDeliverSubject(edgeDomain, u.Edge),
			AckPolicy:      jetstream.AckFlowControlPolicy,
			FlowControl:    true,
			IdleHeartbeat:  time.Second, // the only value the flow-control ack policy allows
			MaxAckPending:  lim.InFlight,
		})
		if err != nil {
			return fmt.Errorf("uplink consumer on %s: %w", u.Edge, err)
		}
	}
	return nil
}

// SetupHubStreams creates (or updates) the hub streams through js, a
// JetStream context of the hub's domain. Each sources its edge stream from
// edgeDomain across the leafnode link, through the edge's uplink consumer:
// the hub's server remembers the last edge sequence it stored and resumes
// from there after a cut or a restart on either side. The hub streams have
// no subjects of their own, so a message can arrive only by that path, and
// they dedupe by Nats-Msg-Id as a second line.
func SetupHubStreams(ctx context.Context, js jetstream.JetStream, edgeDomain string, dupWindow time.Duration) error {
	for _, u := range Uplinks {
		cfg := jetstream.StreamConfig{
			Name:        u.Hub,
			Description: fmt.Sprintf("%s sourced from the edge domain %q", u.Edge, edgeDomain),
			Storage:     jetstream.FileStorage,
			Duplicates:  dupWindow,
			Sources: []*jetstream.StreamSource{{
				Name:     u.Edge,
				External: &jetstream.ExternalStream{APIPrefix: apiPrefix(edgeDomain)},
				Consumer: &jetstream.StreamConsumerSource{
					Name:           UplinkConsumer,
					DeliverSubject: uplinkDeliverSubject(edgeDomain, u.Edge),
				},
			}},
		}
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("hub stream %s: %w", u.Hub, err)
		}
	}
	return nil
}
