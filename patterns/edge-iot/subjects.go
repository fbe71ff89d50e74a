package edgeiot

import (
	"fmt"
	"strings"
)

// The MQTT topics devices use. nats-server maps an MQTT topic to a NATS
// subject by turning "/" into ".", so "devices/cnc-01/telemetry" arrives as
// the subject "devices.cnc-01.telemetry" and a NATS publish on
// "commands.cnc-01" reaches an MQTT subscriber of "commands/cnc-01".
const (
	topicTelemetry = "devices/%s/telemetry" // device -> edge: readings
	topicAcks      = "devices/%s/acks"      // device -> hub: command acknowledgements
	topicCommands  = "commands/%s"          // hub or edge -> device
	topicRejects   = "devices/%s/rejects"   // device -> edge: what arrived on its command topic and is no command
)

// Subjects on the NATS side.
const (
	subjectIngestAll    = "devices.*.telemetry" // raw telemetry, as devices publish it
	subjectAcksAll      = "devices.*.acks"
	subjectRejectsAll   = "devices.*.rejects"
	subjectTelemetryAll = "telemetry.*" // accepted readings, one token: the device
	subjectAlertAll     = "events.alert.*"
	subjectAggregateAll = "events.agg.*"
	subjectDLQAll       = "dlq.*"
)

// The stream nats-server itself stores every MQTT QoS 1 and QoS 2 message
// in before it acknowledges it to the device (PUBACK, PUBCOMP), under
// "$MQTT.msgs." + the NATS subject. It has interest retention: a message is
// kept until every consumer interested in it acknowledged it. The gateway's
// durable consumer on it is what makes a device's PUBACK mean "the gateway
// will process this reading", across edge restarts.
const (
	StreamMQTT      = "$MQTT_msgs"
	mqttStorePrefix = "$MQTT.msgs."
	subjectLanding  = mqttStorePrefix + subjectIngestAll
	// subjectLandingRejects is where devices' rejections land, for the
	// gateway to dead-letter.
	subjectLandingRejects = mqttStorePrefix + subjectRejectsAll
)

// Stream names. Streams at the edge live in the edge's JetStream domain,
// streams at the hub in the hub's; a hub stream sources an edge stream of the
// same purpose across the leafnode link.
const (
	StreamTelemetry     = "TELEMETRY"     // edge: accepted readings waiting to be forwarded
	StreamEvents        = "EVENTS"        // edge: alerts and per-window aggregates
	StreamDeadLetter    = "DLQ"           // edge: what the gateway refused, with the reason
	StreamHubTelemetry  = "HUB_TELEMETRY" // hub: readings sourced from the edge
	StreamHubEvents     = "HUB_EVENTS"    // hub: alerts and aggregates sourced from the edge
	StreamHubDeadLetter = "HUB_DLQ"       // hub: dead letters sourced from the edge
)

// Headers the edge adds to a dead letter, besides kit/deadletter's reason
// (deadletter.HeaderReason) and original subject (deadletter.HeaderSubject).
const (
	HeaderKind    = "Edge-Kind"    // an Outcome: malformed, refused, late, not-a-command or malformed-ack
	HeaderDevice  = "Edge-Device"  // the device the topic names, or "unknown"
	HeaderReading = "Edge-Reading" // the reading ID, for a valid reading refused
)

func telemetrySubject(device string) string { return "telemetry." + device }
func alertSubject(device string) string     { return "events.alert." + device }
func aggregateSubject(device string) string { return "events.agg." + device }
func dlqSubject(device string) string       { return "dlq." + device }
func commandSubject(device string) string   { return "commands." + device }
func ackSubject(device string) string       { return "devices." + device + ".acks" }

// TelemetryTopic is the MQTT topic device publishes its readings on.
func TelemetryTopic(device string) string { return fmt.Sprintf(topicTelemetry, device) }

// deviceFromIngestSubject extracts the device token from
// "devices.<device>.telemetry", with or without the "$MQTT.msgs." prefix of
// the landing stream. The token is whatever the MQTT client put in the
// topic: DecodeReading validates it.
func deviceFromIngestSubject(subject string) (string, error) {
	parts := strings.Split(strings.TrimPrefix(subject, mqttStorePrefix), ".")
	if len(parts) != 3 || parts[0] != "devices" || parts[2] != "telemetry" {
		return "", fmt.Errorf("subject %q is not devices.<device>.telemetry", subject)
	}
	return parts[1], nil
}
