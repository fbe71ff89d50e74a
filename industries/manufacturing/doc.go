// Package manufacturing is the lab's manufacturing case: line monitoring
// and OEE (overall equipment effectiveness) for two plants of simulated
// machines, composed from patterns/edge-iot and patterns/backpressure.
//
// The machines (package plant, on the wire in package floor) publish a
// reading per interval over MQTT to their plant's edge-iot site, where a
// line controller (package edge) dead-letters malformed payloads, stops a
// line on an EWMA z-score anomaly without the hub, archives the raw
// readings and hands them to edge-iot's store-and-forward buffer. The hub
// (package hub) computes OEE per line and shift (package oee) behind
// backpressure's credit window. Demo runs it with a WAN link down for a
// shift, a catch-up burst, a flood of malformed readings, a controller
// crash and an edge server restart mid-shift, and Audit checks the hub
// against the edges' archives. The plants' gateways are declared as
// EdgeSite resources, converged by patterns/operator on envtest
// (DeclareSites).
package manufacturing
