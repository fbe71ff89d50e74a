package backpressure

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The JetStream strategy's two halves, each timed alone against the `nats
// bench` run that does the same: BenchmarkProduce the producer (10,000
// publishes of 1 KiB with a Nats-Msg-Id into a memory stream that holds
// them all, no consumer), BenchmarkConsume the consumer (the same stream
// filled first, then only Serve is timed, through Run's consumer: decode,
// verify, ledger, ack).

// splitMessages is the workload of one operation, as in BenchmarkFlatOut.
const splitMessages = flatOutMessages

// BenchmarkProduce: sync is one publish and one round trip per message
// (anchor: js-pub-sync-dedup); async keeps P = 256 in flight (anchor:
// js-pub-async-dedup-batch-256). msgs/s runs from the first Offer until
// the last message is stored.
func BenchmarkProduce(b *testing.B) {
	js := testJetStream(b)
	for _, mode := range []struct {
		name   string
		window int
	}{{"sync", 0}, {"async", benchPublishWindow}} {
		b.Run(mode.name, func(b *testing.B) {
			var elapsed time.Duration
			var moved int
			for b.Loop() {
				b.StopTimer()
				q := splitQueue(b, js, mode.window)
				payloads := rand.New(rand.NewPCG(1, 2))
				msgs := make([]Message, splitMessages)
				for i := range msgs {
					msgs[i] = NewMessage(uint64(i), benchPayload, payloads)
				}
				b.StartTimer()
				began := time.Now()
				for _, m := range msgs {
					if err := q.Offer(b.Context(), m); err != nil {
						b.Fatal(err)
					}
				}
				q.Close()
				if err := q.Settle(b.Context()); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(began)
				b.StopTimer()
				if st := q.Stats(); st.Accepted != splitMessages || st.Pushbacks != 0 {
					b.Fatalf("stored %d of %d with %d pushbacks", st.Accepted, splitMessages, st.Pushbacks)
				}
				moved += splitMessages
				if err := q.Delete(context.Background()); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(moved)/elapsed.Seconds(), "msgs/s")
		})
	}
}

// BenchmarkConsume: the durable pull consumer with MaxAckPending and pull
// batch W = 64, explicit acks (anchor: js-consume-batch-64). RunCatchUp
// fills the stream with the asynchronous producer, waits until all is
// stored, and times only Serve: from the consumer's start to the last
// message processed.
//
// poll-1s is the same with the queue's watcher asking the server for the
// stream's and the consumer's state once a second instead of every 10 ms:
// what the polling costs the consumer.
func BenchmarkConsume(b *testing.B) {
	js := testJetStream(b)
	for _, poll := range []time.Duration{0, time.Second} {
		name := "pull-batch-" + strconv.Itoa(benchWindow)
		if poll > 0 {
			name += "-poll-1s"
		}
		b.Run(name, func(b *testing.B) { benchConsume(b, js, poll, 1) })
	}
}

// benchConsumerCounts are the competing consumers of BenchmarkConsumers.
var benchConsumerCounts = []int{1, 4, 16}

// BenchmarkConsumers is BenchmarkConsume with N = 1, 4 and 16 competing
// consumers on the same durable pull consumer (JetStreamConfig.Consumers):
// the same payload, pull batch, MaxAckPending W = 64 (over all N together)
// and explicit acks (anchor: js-consume-batch-64-clients, `nats bench js
// consume --clients N` on one durable).
func BenchmarkConsumers(b *testing.B) {
	js := testJetStream(b)
	for _, n := range benchConsumerCounts {
		b.Run("consumers="+strconv.Itoa(n), func(b *testing.B) { benchConsume(b, js, 0, n) })
	}
}

func benchConsume(b *testing.B, js jetstream.JetStream, poll time.Duration, consumers int) {
	var elapsed time.Duration
	var moved int
	for b.Loop() {
		b.StopTimer()
		q := testQueueWith(b, js, JetStreamConfig{
			Capacity: splitMessages, Window: benchWindow, AckWait: 5 * time.Second,
			PublishWindow: benchPublishWindow, PollInterval: poll, Consumers: consumers,
		})
		w := Workload{Messages: splitMessages, PayloadSize: benchPayload, Seed: 1}
		var settleErr error
		r, err := RunCatchUp(b.Context(), q, w, func(int) {
			settleErr = q.Settle(b.Context())
			b.StartTimer()
		})
		b.StopTimer()
		if err != nil || settleErr != nil {
			b.Fatal(err, settleErr)
		}
		if v := r.Audit.Violations(); len(v) > 0 {
			b.Fatalf("invariant violated: %v", v)
		}
		if st := q.Stats(); st.PeakAckPending > benchWindow {
			b.Fatalf("the server had %d delivered and unacked, window %d", st.PeakAckPending, benchWindow)
		}
		elapsed += r.Elapsed
		moved += r.Audit.Processed
		if err := q.Delete(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(moved)/elapsed.Seconds(), "msgs/s")
}

// splitQueue is a queue whose stream holds a whole operation's messages.
func splitQueue(b *testing.B, js jetstream.JetStream, publishWindow int) *JetStreamQueue {
	return testQueueWith(b, js, JetStreamConfig{
		Capacity: splitMessages, Window: benchWindow, AckWait: 5 * time.Second, PublishWindow: publishWindow,
	})
}
