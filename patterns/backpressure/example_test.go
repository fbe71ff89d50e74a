package backpressure_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/backpressure"
)

// The demo on a small workload: 2,000 messages, a consumer of 10,000 msg/s,
// a producer ten times faster. Measurements (rates, latencies, heap) vary
// from run to run and are hidden; everything else is the verified story.
func ExampleDemo() {
	cfg := backpressure.DefaultConfig()
	cfg.Messages = 2000
	cfg.ServiceRate = 10_000
	cfg.PayloadSize = 512
	cfg.Buffer = 64
	cfg.Window = 16
	cfg.AckWait = 300 * time.Millisecond

	n := narrate.New(os.Stdout, narrate.HideMeasurements())
	if err := backpressure.Demo(context.Background(), n, cfg); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// == backpressure: a producer 10x faster than its consumer, handled four ways ==
	// [workload] 2000 messages of 512 B; producer λ = 100000 msg/s (Poisson arrivals, seed 1); consumer μ = 10000 msg/s
	// [workload] bounded strategies hold at most B = 64 messages; stated bound on live-heap growth: 8.2 MiB (8 MiB + 4·B·(payload + 512 B))
	// == 1/4 unbounded-buffer: never says no (the anti-pattern) ==
	// [unbounded-buffer] a slice that accepts every message: Offer never blocks and never refuses
	// [check] unbounded-buffer: the queue outgrew B = 64: nothing stops it but the end of the workload: ok
	// [check] unbounded-buffer: every offered message accepted or shed, every accepted one processed exactly once: ok
	// == 2/4 bounded-channel: a full queue blocks the producer ==
	// [bounded-channel] a channel of capacity B = 64: when it is full, Offer blocks the producer
	// [check] bounded-channel: peak queue within B = 64: ok
	// [check] bounded-channel: live-heap growth within the stated 8.2 MiB: ok
	// [check] bounded-channel: every offered message accepted or shed, every accepted one processed exactly once: ok
	// == 3/4 load-shedding: admit what the consumer can take, drop and count the rest ==
	// [load-shedding] a token bucket (x/time/rate) admits 10000 msg/s, burst 16, into a queue of 64; the rest is dropped and counted
	// [check] load-shedding: peak queue within B = 64: ok
	// [check] load-shedding: live-heap growth within the stated 8.2 MiB: ok
	// [check] load-shedding: every offered message accepted or shed, every accepted one processed exactly once: ok
	// == 4/4 jetstream-pull: a bounded stream and a credit window of W unacked messages ==
	// [jetstream-pull] work-queue stream BACKPRESSURE (memory, MaxMsgs 64, DiscardNew): a full stream refuses the publish and the producer retries
	// [jetstream-pull] durable pull consumer "worker": MaxAckPending W = 16, AckWait 300ms
	// [check] jetstream-pull: delivered-but-unacked never exceeded W = 16: ok
	// [check] jetstream-pull: peak queue within B = 64: ok
	// [check] jetstream-pull: live-heap growth within the stated 8.2 MiB: ok
	// [check] jetstream-pull: every offered message accepted or shed, every accepted one processed exactly once: ok
	// == fault: the JetStream consumer crashes holding unacked messages ==
	// [workload] 500 messages; consumer-1 will crash on message 250
	// [consumer-1] FAULT: crashes on message 250: it is not processed, and nothing it pulled is acked
	// [supervisor] consumer-1 is gone; consumer-2 takes over durable "worker": the server redelivers what was unacked after AckWait 300ms
	// [check] jetstream-pull after the crash: one restart, and the message that crashed consumer-1 came back: ok
	// [check] jetstream-pull (crash): peak queue within B = 64: ok
	// [check] jetstream-pull (crash): live-heap growth within the stated 8.2 MiB: ok
	// [check] jetstream-pull (crash): every offered message accepted or shed, every accepted one processed exactly once: ok
	// == summary ==
	// [summary] the unbounded buffer's memory grew with the backlog; the bounded ones moved it upstream (blocked producer), dropped it (counted), or kept it in the stream (credit window)
	// [invariant] HELD: every bounded strategy kept its queue within B and its live-heap growth within the stated bound, and every accepted message was processed exactly once or counted as shed
}
