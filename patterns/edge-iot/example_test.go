package edgeiot_test

import (
	"context"
	"fmt"
	"os"

	edgeiot "github.com/patternlab/patternlab/patterns/edge-iot"

	"github.com/patternlab/patternlab/kit/narrate"
)

// A small plant: three machines, a buffer of 60 readings. The link is cut,
// the edge server crashes, and an outage outlasts the buffer; the audit at
// the hub finds every accepted reading there once. Measurements (rates,
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
	// [edge] store-and-forward buffer TELEMETRY: at most 60 readings, discard new; the hub acknowledges what it stored, then the edge deletes it
	// [hub] HUB_TELEMETRY, HUB_EVENTS and HUB_DLQ source the edge's streams through its durable uplink consumers
	// [devices] 3 machines connected over MQTT 3.1.1 with QoS 1 and persistent sessions (seed 14)
	// == act 1: link up ==
	// [devices] published 60 payloads: 57 readings (2 over 90 °C) and 3 malformed
	// [gateway] accepted 57 readings, dead-lettered 3 malformed payloads, raised 2 alerts
	// [hub] HUB_TELEMETRY holds 57 readings
	// [hub] command cmd-1 (identify) to cnc-02 across the leafnode link: acknowledged
	// == act 2: leafnode link cut ==
	// [link] FAULT: leafnode link edge <-> hub cut: both TCP connections dropped, redials refused
	// [edge] leafnode link down; MQTT, JetStream and the gateway carry on locally
	// [devices] published 60 payloads: 58 readings (2 over 90 °C) and 2 malformed
	// [gateway] accepted 58 readings offline, dead-lettered 2 malformed, raised 2 alerts offline
	// [devices] 2 cool-down commands from the edge applied while offline
	// [edge] buffer holds 58 of at most 60 readings, waiting for the hub
	// [hub] still 57 readings: nothing crossed the cut link (57 before the cut)
	// [hub] command cmd-2 to cnc-03 not acknowledged: resending every 250ms
	// [link] restored
	// [hub] caught up: HUB_TELEMETRY holds 115 readings; the edge buffer is empty again
	// [cnc-03] applied cmd-2 once and acknowledged it after the link came back
	// == act 3: edge server crash and restart ==
	// [edge] FAULT: nats-server "edge" stopped mid-stream, once a third of the act's readings were accepted (file store kept)
	// [edge] restarted on the same ports and store; devices, gateway and the hub's source reconnect on their own
	// [devices] published 60 payloads: 57 readings (3 over 90 °C) and 3 malformed
	// [gateway] accepted 57 readings and dead-lettered 3 malformed: every payload of the act
	// [hub] caught up: HUB_TELEMETRY holds 172 readings
	// == act 4: outage longer than the buffer ==
	// [link] FAULT: leafnode link cut for 40 payloads per machine
	// [devices] published 120 payloads: 116 readings (4 over 90 °C) and 4 malformed
	// [edge] buffer full at 60 of 60 readings: the stream refuses more (discard new)
	// [gateway] accepted 60 readings, refused 56: dead-lettered with the reason "edge buffer full"
	// [gateway] raised 4 alerts for the 4 over-temperature readings, refused ones included
	// [link] restored
	// [hub] caught up: HUB_TELEMETRY holds 232 readings; the refused ones are in HUB_DLQ
	// == audit at the hub ==
	// [gateway] flushed the open windows; the edge holds nothing the hub has not confirmed
	// [check] exactly-once: 232 readings accepted at the edge, 232 at the hub, 0 there twice, 0 unknown: ok
	// [check] aggregates: every window aggregate at the hub equals its recomputation from the hub's raw readings (0 wrong): ok
	// [check] dead-letters: 12 malformed payloads in HUB_DLQ, each with a reason (0 missing): ok
	// [check] nothing-lost: every valid reading is at the hub or dead-lettered as refused: 56 refused, 0 lost: ok
	// [check] alerts: 11 over-temperature readings, one alert each at the hub (0 wrong): ok
	// [invariant] HELD: every valid reading accepted at the edge reached the hub exactly once; the hub's aggregates equal those recomputed from its raw readings; every malformed payload is in the dead-letter stream with a reason
}
