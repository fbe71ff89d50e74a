package backpressure_test

import (
	"context"
	"os"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/backpressure"
)

// smallRun is a quick workload whose bound still means something: 800
// messages of 32 KiB (25 MiB, twice the 12.1 MiB bound of B = 32), a consumer
// of 10,000 msg/s and a producer ten times faster. The Example and the
// switch tests run it. (With fewer, larger messages the embedded server's
// buffers, a few messages per connection, come close to the bound.)
var smallRun = []string{"-messages=800", "-payload=32768", "-buffer=32", "-window=8", "-rate=10000", "-ack-wait=300ms"}

// The demo on the small workload, as `go run ./patterns/backpressure/cmd/demo
// -messages=800 ...` runs it. Measurements (rates, latencies, heap) vary
// from run to run and are hidden; everything else is the verified story.
func ExampleCommand() {
	narrate.Exec(context.Background(), smallRun, os.Stdout, os.Stderr, backpressure.Command, narrate.HideMeasurements())
	// Output:
	// == backpressure: a producer 10x faster than its consumer, handled four ways ==
	// [workload] 800 messages of 32768 B; producer λ = 100000 msg/s (Poisson arrivals, seed 1); consumer μ = 10000 msg/s
	// [workload] bounded strategies queue at most B = 32 messages, so at most B + 1 = 33 are accepted and unprocessed (one is in the consumer's hands)
	// [workload] stated bound on live-heap growth: 12.1 MiB (8 MiB + 4·B·(payload + 512 B)), below the 25.0 MiB of the whole workload: a strategy that held everything would break it
	// [workload] in each act the consumer starts late (a deploy): it comes back when the strategy first pushes the producer back, or when the producer is done
	// [audit] the backlog is counted by the ledger (accepted by the producer, processed by the receiver), the heap read from the runtime, the stream's state asked of the server
	// [nats] embedded nats-server with JetStream on loopback; only this demo's user may publish on [backpressure.>]
	// [check] guest: a client that is not the demo publishes on backpressure.work: the server refuses it (permissions violation): ok
	// == 1/4 unbounded-buffer: never says no (the anti-pattern) ==
	// [unbounded-buffer] a slice that accepts every message: Offer never blocks and never refuses
	// [consumer] FAULT: down when the act starts: the producer offers alone
	// [consumer] back only when the producer was done: nothing pushed it back, so the strategy accepted all 800 messages
	// [unbounded-buffer] held to no bound: it is the anti-pattern, and its backlog and heap above show why
	// [check] unbounded-buffer: every offered message accepted or shed, every accepted one processed exactly once: ok
	// == 2/4 bounded-channel: a full queue blocks the producer ==
	// [bounded-channel] a channel of capacity B = 32: when it is full, Offer blocks the producer
	// [consumer] FAULT: down when the act starts: the producer offers alone
	// [consumer] back: the full channel blocked the producer
	// [check] bounded-channel: at most B + 1 = 33 accepted messages unprocessed (the ledger's count): ok
	// [check] bounded-channel: live-heap growth within the stated 12.1 MiB: ok
	// [check] bounded-channel: every offered message accepted or shed, every accepted one processed exactly once: ok
	// == 3/4 load-shedding: admit what the consumer can take, drop and count the rest ==
	// [load-shedding] a token bucket (x/time/rate) admits 10000 msg/s, burst 8, into a queue of 32; the rest is dropped and counted
	// [consumer] FAULT: down when the act starts: the producer offers alone
	// [consumer] back: the shedder refused a message
	// [check] load-shedding: at most B + 1 = 33 accepted messages unprocessed (the ledger's count): ok
	// [check] load-shedding: live-heap growth within the stated 12.1 MiB: ok
	// [check] load-shedding: every offered message accepted or shed, every accepted one processed exactly once: ok
	// == 4/4 jetstream-pull: a bounded stream and a credit window of W unacked messages ==
	// [jetstream-pull] work-queue stream BACKPRESSURE (memory, MaxMsgs B = 32, DiscardNew): a full stream refuses the publish and the producer retries
	// [jetstream-pull] durable pull consumer "worker": a credit window of W = 8 (MaxAckPending, and 8 pulled at a time), AckWait 300ms; what it cannot decode goes to stream BACKPRESSURE_DLQ
	// [intruder] FAULT: publishes "hello" (5 bytes, too short to carry an ID) on backpressure.work
	// [consumer] FAULT: down when the act starts: the producer offers alone
	// [consumer] back: the full stream refused a publish
	// [check] jetstream-pull: the server's stream never held more than B = 32: ok
	// [check] jetstream-pull: the server never had more than W = 8 delivered and unacknowledged: ok
	// [check] jetstream-pull: at most B + 1 = 33 accepted messages unprocessed (the ledger's count): ok
	// [check] jetstream-pull: live-heap growth within the stated 12.1 MiB: ok
	// [check] jetstream-pull: every offered message accepted or shed, every accepted one processed exactly once: ok
	// == fault: the JetStream consumer crashes after processing a message, before its ack ==
	// [workload] 200 messages; consumer-1 will crash right after processing message 100, before acking it
	// [consumer-1] FAULT: processed message 100, then crashed before acking it; the messages it had pulled are not acked either
	// [supervisor] consumer-1 is gone; consumer-2 takes over durable "worker": the server redelivers what was unacked after AckWait 300ms
	// [check] jetstream-pull (crash): message 100, processed and never acked, was delivered again after the crash: ok
	// [check] jetstream-pull (crash): the server's stream never held more than B = 32: ok
	// [check] jetstream-pull (crash): the server never had more than W = 8 delivered and unacknowledged: ok
	// [check] jetstream-pull (crash): at most B + 1 = 33 accepted messages unprocessed (the ledger's count): ok
	// [check] jetstream-pull (crash): live-heap growth within the stated 12.1 MiB: ok
	// [check] jetstream-pull (crash): every offered message accepted or shed, every accepted one processed exactly once: ok
	// == catch-up: the JetStream consumer comes back to a backlog of the whole workload ==
	// [jetstream-pull] stream BACKPRESSURE (memory, MaxMsgs 800): a hub's stream, holding what its sites sent during an outage
	// [hub-consumer] FAULT: was down while 800 messages (25.0 MiB) arrived; it comes back with a credit window of W = 8 (MaxAckPending, and 8 pulled at a time)
	// [hub-consumer] FAULT: its first message (0) is slow, until the server has delivered all it will: its window full, or the whole backlog
	// [check] jetstream-pull (catch-up): the server never had more than W = 8 delivered and unacknowledged: ok
	// [check] jetstream-pull (catch-up): live-heap growth within the stated 12.1 MiB: ok
	// [check] jetstream-pull (catch-up): every offered message accepted or shed, every accepted one processed exactly once: ok
	// == summary ==
	// [dead-letters] 1 in stream BACKPRESSURE_DLQ, read back from the server: malformed message: payload of 5 bytes is shorter than its 8-byte ID
	// [check] dead-letters: every malformed message injected (1) is in the dead-letter stream with its reason and original subject: ok
	// [summary] the unbounded buffer's memory grew with the backlog; the bounded ones moved it upstream (blocked producer), dropped it (counted), or kept it in the stream (credit window)
	// [invariant] HELD: every bounded strategy kept at most B + 1 accepted messages unprocessed and its live-heap growth within the stated bound, its heap also while catching up on a backlog, and every accepted message was processed exactly once or counted as shed
}
