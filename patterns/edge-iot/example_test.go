package edgeiot_test

import (
	"context"
	"fmt"
	"os"

	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"

	"github.com/patternlab/patternlab/kit/narrate"
)

// A small plant: three machines, a buffer of 60 readings. A guest is
// refused, then sends a payload that is no reading and an ack that is no
// ack, both dead-lettered; the link is cut, the edge server crashes between storing a
// reading and acknowledging it, and an outage outlasts the buffer; the
// audit at the hub finds every accepted reading there once. Measurements (rates,
// catch-up times, duplicates) vary from run to run and are hidden here; the
// rest of the story is the same for a seed.
func ExampleDemo() {
	cfg := edgeiot.DefaultConfig()
	cfg.Devices, cfg.Readings, cfg.Outage, cfg.Buffer, cfg.Seed = 3, 20, 40, 60, 14
	n := narrate.New(os.Stdout, narrate.HideMeasurements())
	if err := edgeiot.Demo(context.Background(), n, cfg); err != nil {
		fmt.Println("demo failed:", err)
	}
	// Output:
	// == plant floor: 3 CNC machines -> edge gateway -> hub ==
	// [hub] nats-server "hub" with JetStream domain "hub" and a leafnode listener
	// [edge] nats-server "edge" with JetStream domain "edge" on file storage, an MQTT 3.1.1 listener and a leafnode link to the hub
	// [edge] store-and-forward buffer TELEMETRY: at most 60 readings, discard new
	// [edge] forwarder: sends TELEMETRY, EVENTS and DLQ to the hub and deletes a message at the edge only once the hub has acknowledged storing it
	// [hub] HUB_TELEMETRY, HUB_EVENTS and HUB_DLQ store what the forwarder delivers, deduplicated by message ID
	// [check] protected: a client without the module's credentials published a forged reading on telemetry.cnc-01 at the edge: refused: nats: permissions violation: Permissions Violation for Publish to "telemetry.cnc-01"; TELEMETRY holds 0: ok
	// [devices] 3 machines connected over MQTT 3.1.1 with QoS 1 and persistent sessions (seed 14)
	// == act 1: link up ==
	// [devices] published 60 payloads: 57 readings (2 over 90 °C) and 3 malformed
	// [guest] an unknown MQTT client published "hello from a misconfigured sensor" on devices/guest-01/telemetry: the gateway decided "malformed"
	// [gateway] accepted 57 readings, dead-lettered 4 malformed payloads, raised 2 alerts
	// [hub] HUB_TELEMETRY holds 57 readings
	// [guest] the unknown MQTT client published "ack cmd-1" on devices/cnc-02/acks, the ack topic of cnc-02
	// [hub] command cmd-1 (identify) to cnc-02 across the leafnode link: acknowledged
	// [hub] the dispatcher dead-lettered 1 malformed ack on the way
	// == act 2: leafnode link cut ==
	// [link] FAULT: leafnode link edge <-> hub cut: both TCP connections dropped, redials refused
	// [edge] leafnode link down; MQTT, JetStream and the gateway carry on locally
	// [devices] published 60 payloads: 58 readings (2 over 90 °C) and 2 malformed
	// [gateway] accepted 58 readings offline, dead-lettered 2 malformed, raised 2 alerts offline
	// [devices] 2 cool-down commands from the edge applied while offline
	// [edge] buffer holds 58 readings, waiting for the hub
	// [hub] still 57 readings: nothing crossed the cut link (57 before the cut)
	// [hub] command cmd-2 to cnc-03 not acknowledged: resending every 250ms
	// [link] restored
	// [hub] caught up: HUB_TELEMETRY holds 115 readings; the edge buffer is empty again
	// [cnc-03] applied cmd-2 once and acknowledged it after the link came back
	// == act 3: edge server crash between a store and its ack ==
	// [edge] FAULT: nats-server "edge" stopped just after the gateway stored cnc-01/46 and before it acknowledged its MQTT message (file store kept)
	// [edge] restarted on the same ports and store; devices, gateway and forwarder reconnect on their own
	// [devices] published 60 payloads: 57 readings (3 over 90 °C) and 3 malformed
	// [gateway] cnc-01/46 came again (its ack was lost) and was stored again
	// [gateway] accepted 57 readings and dead-lettered 3 malformed: every payload of the act
	// [hub] caught up: HUB_TELEMETRY holds 172 readings
	// [hub] HUB_TELEMETRY holds cnc-01/46 once
	// == act 4: outage longer than the buffer ==
	// [link] FAULT: leafnode link cut for 40 payloads per machine (120 in all, the buffer holds 60)
	// [devices] published 120 payloads: 116 readings (4 over 90 °C) and 4 malformed
	// [edge] buffer full at 60 readings: the stream refuses more
	// [gateway] accepted 60 readings, refused 56: dead-lettered with the reason "edge buffer full"
	// [gateway] raised 4 alerts for the 4 over-temperature readings, refused ones included
	// [link] restored
	// [hub] caught up: HUB_TELEMETRY holds 232 readings, 60 of them from the outage's buffer
	// == audit at the hub ==
	// [gateway] flushed the open windows; the edge holds nothing the hub has not confirmed
	// [hub] dead letters in HUB_DLQ by device: malformed: cnc-01 4, cnc-02 5, cnc-03 3, guest-01 1; malformed-ack: cnc-02 1
	// [check] exactly-once: 232 readings accepted at the edge, 232 at the hub, 0 there twice, 0 unknown: ok
	// [check] nothing-lost: every valid reading is at the hub or dead-lettered as refused: 56 refused, 0 lost: ok
	// [check] dead-letters: 12 malformed payloads of the machines, the guest's 1 and its 1 malformed ack in HUB_DLQ, each with a reason (0 missing): ok
	// [check] buffer-bound: the hub received 60 readings from the outage's buffer, at most its limit of 60: ok
	// [check] aggregates: every window aggregate at the hub equals its recomputation from the hub's raw readings (0 wrong): ok
	// [check] alerts: 11 over-temperature readings, one alert each at the hub (0 wrong): ok
	// [invariant] HELD: every valid reading accepted at the edge reached the hub exactly once, and every other payload is in the dead-letter stream with the reason; the edge buffer never held more than its limit; the hub's aggregates equal those recomputed from its raw readings; every over-temperature reading raised one alert
}
