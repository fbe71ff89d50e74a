// Package edgeiot is the edge-computing pattern with store-and-forward:
// machines on a plant floor publish telemetry over MQTT 3.1.1 to an edge
// gateway, which validates it, raises alerts and commands the machines
// locally, downsamples it per device and window, and keeps everything in
// bounded JetStream streams until a hub across an unreliable link has
// confirmed it.
//
// The edge is a nats-server with its own JetStream domain, file storage,
// nats-server's MQTT listener and a leafnode connection to the hub. The hub's
// streams source the edge's streams through durable consumers with the
// flow-control ack policy, so the edge deletes a reading only once the hub
// has stored it; message IDs remove the duplicates that at-least-once
// delivery creates on the way. Link cuts, an edge crash and an outage longer
// than the buffer lose nothing: what the buffer cannot hold is dead-lettered
// with the reason, not dropped. Demo runs it all in one process; Audit checks
// the invariant against what the hub really holds.
package edgeiot
