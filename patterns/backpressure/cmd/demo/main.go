// Command demo overloads a consumer ten times over and shows four ways to
// handle it: an unbounded buffer, a bounded channel, load shedding with a
// rate limiter, and a NATS JetStream pull consumer with a credit window;
// then it crashes the JetStream consumer after processing and before its
// ack, and brings one back to a backlog of the whole workload.
//
//	go run ./patterns/backpressure/cmd/demo [-overload 10] [-messages 20000] ... (-h for all)
//
// It starts an embedded nats-server unless NATS_URL names a real one, and
// exits 0 only when the invariant held.
package main

import (
	"os"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/backpressure"
)

func main() { os.Exit(narrate.Main(backpressure.Command)) }
