package edgeiot

import (
	"context"
	"errors"
	"fmt"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats.go/jetstream"
)

// GatewayConsumer is the gateway's durable consumer on the MQTT landing
// stream.
const GatewayConsumer = "gateway"

// gatewayAckWait is how long a payload may stay unacknowledged before the
// landing stream delivers it again (to the same gateway after a reconnect,
// or to a new one after a crash).
const gatewayAckWait = 5 * time.Second

// gatewayPullBatch is how many payloads the gateway's client buffers ahead.
// Each must be decided within gatewayAckWait of its delivery, or the
// landing stream delivers it again: with 256 buffered and a loaded machine
// (about 20 ms a payload), the last ones waited past it, and a copy of a
// reading refused by the full buffer came back after the link returned and
// was accepted, after the test had flushed its window.
const gatewayPullBatch = 16

// SetupLanding makes the device's MQTT PUBACK mean "the gateway will
// process this reading". nats-server acknowledges a QoS 1 PUBLISH once it has
// stored the message in its own stream $MQTT_msgs; a stream of ours capturing
// the same subject is fed asynchronously, so a server stopping in between
// drops a reading the device already considers delivered (this module's
// tests saw it happen on an edge restart). Reading $MQTT_msgs itself closes
// that gap: it has interest retention, so with the gateway's durable
// consumer in place every acknowledged reading stays there until the
// gateway acknowledges it in turn.
//
// The consumer must exist before the first device publishes, or those
// messages find no interest and are dropped at once. nats-server creates its
// MQTT streams when the first MQTT client of the account connects, so
// SetupLanding connects once to mqttURL if the stream is not there yet.
func SetupLanding(ctx context.Context, js jetstream.JetStream, mqttURL string) error {
	if _, err := js.Stream(ctx, StreamMQTT); errors.Is(err, jetstream.ErrStreamNotFound) {
		probe := mqtt.NewClient(mqtt.NewClientOptions().
			AddBroker(mqttURL).
			SetClientID("edge-setup").
			SetCleanSession(true).
			SetAutoReconnect(false))
		if err := wait(ctx, probe.Connect()); err != nil {
			return fmt.Errorf("open the MQTT streams through %s: %w", mqttURL, err)
		}
		probe.Disconnect(0)
		err := poll(ctx, func() (bool, error) {
			_, err := js.Stream(ctx, StreamMQTT)
			return err == nil, nil
		})
		if err != nil {
			return fmt.Errorf("wait for stream %s: %w", StreamMQTT, err)
		}
	} else if err != nil {
		return fmt.Errorf("stream %s: %w", StreamMQTT, err)
	}
	_, err := js.CreateOrUpdateConsumer(ctx, StreamMQTT, jetstream.ConsumerConfig{
		Durable:        GatewayConsumer,
		Description:    "the edge gateway: every MQTT telemetry message and device rejection, kept until processed",
		FilterSubjects: []string{subjectLanding, subjectLandingRejects},
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        gatewayAckWait,
		MaxAckPending:  1024,
	})
	if err != nil {
		return fmt.Errorf("gateway consumer on %s: %w", StreamMQTT, err)
	}
	return nil
}
