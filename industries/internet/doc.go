// Package internet is the lab's internet case: clickstream analytics for a
// shop's site. Beacons from browsers (page views, add-to-cart, purchases, ad
// impressions and clicks) reach an edge that pushes back when the log cannot
// keep up (patterns/backpressure), land in a JetStream log, and flow through a
// pipeline of stages (patterns/workflow/goroutines): screen (malformed beacons
// to dead letters, crawlers out), event-time windows with a watermark and an
// allowed lateness, dedupe, sessions, metrics, store. Late events go to a
// late-data subject, not silently away.
//
// The invariant the demo ends with: the streaming metrics equal a batch
// recomputation over the same log under the same lateness policy, for every
// window; no event lost; every dropped event has its reason.
package internet
