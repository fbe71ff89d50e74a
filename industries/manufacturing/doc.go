// Package manufacturing is the lab's manufacturing case: line monitoring
// and OEE (overall equipment effectiveness) for plants of simulated
// machines.
//
// What is built so far (the first of five steps; see README.md):
//
//   - plant: the shop floor, seeded and time-compressed: plants, lines and
//     machines reporting state, parts (good and scrap), temperature and
//     vibration once per interval, with breakdowns, short stops, a bearing
//     that wears until it seizes unless the machine is stopped, and a
//     firmware bug that floods malformed payloads; the strict decoder.
//   - oee: OEE per line and shift from raw readings, as exact integer sums,
//     deduplicated by reading ID.
//
// The demo plays the readings of a few shifts to the hub's OEE book out of
// order and with redelivered copies, as at-least-once transport delivers
// them, and checks the live OEE against a recomputation from the raw
// readings. The edge (edge-iot), the hub's credit window (backpressure)
// and the EdgeSite resources (operator) come next.
package manufacturing
