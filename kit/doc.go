// Package kit is the small shared toolbox of the pattern lab: it starts the real
// servers the demos need (an in-process NATS server with JetStream), narrates a
// demo in the lab's one style, and gives tests a server each and a leak check.
//
// It is deliberately boring. Patterns live in their own modules; kit only holds
// what every one of them would otherwise write again.
//
//   - natsembed: start nats-server in-process, or use NATS_URL.
//   - temporaldev: the cached Temporal dev server as a child process, or TEMPORAL_ADDRESS.
//   - childproc: a worker in a child process (this program, re-executed) that can be SIGKILLed.
//   - poll: wait for a condition there is no event for, until a deadline.
//   - narrate: actor-prefixed steps, planned and announced faults, one verdict on the last line.
//   - demoflag: every demo's flags with their ranges; bad values are usage errors naming the flag.
//   - deadletter: the stream where consumers send what they cannot use, with the reason.
//   - logtail: the last lines of a child server's output, for its error.
//   - labtest: a server per test, goleak for TestMain, skips for missing prerequisites,
//     the switch test (every safeguard off makes the demo fail) and the flag fuzzer.
//   - goimage: a Go main package as a FROM-scratch image, for integration tests.
//   - history: record concurrent clients' operations and check them for linearizability (Porcupine).
package kit
