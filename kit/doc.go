// Package kit is the small shared toolbox of the pattern lab: it starts the real
// servers the demos need (an in-process NATS server with JetStream), narrates a
// demo in the lab's one style, and gives tests a server each and a leak check.
//
// It is deliberately boring. Patterns live in their own modules; kit only holds
// what every one of them would otherwise write again.
//
//   - natsembed: start nats-server in-process, or use NATS_URL.
//   - narrate: actor-prefixed steps, announced faults, the final invariant line.
//   - labtest: a server per test and goleak for TestMain.
package kit
