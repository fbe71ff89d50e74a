package backpressure

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsbench"
)

// Anchors: what the machine and the server do for a client that does only
// the minimum, measured in the same run as BenchmarkFlatOut. pattern.yaml
// (bench.ratios) pairs each strategy with its anchor; make bench writes the
// ratios.

// BenchmarkAnchorChannel is the physical floor of an in-process hand-off:
// the same 10,000 messages of 1 KiB as one BenchmarkFlatOut operation, made
// by NewMessage as the producer makes them, through a bare Go channel to a
// goroutine that reads each message's ID. No strategy, ledger or audit.
func BenchmarkAnchorChannel(b *testing.B) {
	for _, capacity := range []int{0, benchBuffer} {
		name := "unbuffered"
		if capacity > 0 {
			name = "buffered-" + strconv.Itoa(capacity)
		}
		b.Run(name, func(b *testing.B) {
			var moved int
			for b.Loop() {
				ch := make(chan Message, capacity)
				done := make(chan uint64)
				go func() {
					var sum uint64
					for m := range ch {
						sum += binary.BigEndian.Uint64(m.Payload)
					}
					done <- sum
				}()
				rng := rand.New(rand.NewPCG(1, 2))
				for id := range uint64(flatOutMessages) {
					ch <- NewMessage(id, benchPayload, rng)
				}
				close(ch)
				if sum, want := <-done, uint64(flatOutMessages)*(flatOutMessages-1)/2; sum != want {
					b.Fatalf("the consumer read IDs summing to %d, want %d", sum, want)
				}
				moved += flatOutMessages
			}
			b.ReportMetric(float64(moved)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// anchorMessages is the size of one `nats bench` run.
const anchorMessages = 20_000

// BenchmarkAnchorNATSBench runs `nats bench` against the same embedded
// server build as the JetStream strategy, with its settings: 1 KiB payloads,
// memory storage (the benchmarks' queues use it), a message ID per publish
// for dedupe, synchronous publishes and asynchronous ones in batches of
// P = 256 (the CLI sends a batch, then waits for all its acks; the
// module's window slides), and a pull consumer with batch and
// MaxAckPending of W = 64 and explicit acks. One operation is one run of 20,000 messages; msgs/s is the
// CLI's own measurement, without its process start.
func BenchmarkAnchorNATSBench(b *testing.B) {
	cli := natsbench.CLI(b)
	srv := labtest.NATS(b)
	js := labtest.JetStream(b, srv.ClientURL())
	size, msgs, batch := strconv.Itoa(benchPayload), strconv.Itoa(anchorMessages), strconv.Itoa(benchWindow)
	measure := func(b *testing.B, run func(stream string) (natsbench.Result, error)) {
		natsbench.Loop(b, js, "msgs/s", run)
	}
	b.Run("core-pub-sub", func(b *testing.B) {
		measure(b, func(stream string) (natsbench.Result, error) {
			return natsbench.PubSub(b.Context(), cli, srv, "anchor."+stream, anchorMessages, benchPayload)
		})
	})
	publish := func(stream string) (natsbench.Result, error) {
		return natsbench.Run(b.Context(), cli, srv.ClientURL(), "js", "pub", "sync", "anchor."+stream,
			"--stream", stream, "--create", "--storage", "memory", "--dedup", "--msgs", msgs, "--size", size)
	}
	b.Run("js-pub-sync-dedup", func(b *testing.B) { measure(b, publish) })
	b.Run("js-pub-async-dedup-batch-"+strconv.Itoa(benchPublishWindow), func(b *testing.B) {
		measure(b, func(stream string) (natsbench.Result, error) {
			return natsbench.Run(b.Context(), cli, srv.ClientURL(), "js", "pub", "async", "anchor."+stream,
				"--stream", stream, "--create", "--storage", "memory", "--dedup", "--batch", strconv.Itoa(benchPublishWindow),
				"--msgs", msgs, "--size", size)
		})
	})
	consume := func(b *testing.B, clients int) func(stream string) (natsbench.Result, error) {
		return func(stream string) (natsbench.Result, error) {
			b.StopTimer() // the stream is filled outside the measurement
			if _, err := publish(stream); err != nil {
				return natsbench.Result{}, err
			}
			args := []string{"js", "consume", "--stream", stream, "--batch", batch, "--acks", "explicit", "--msgs", msgs}
			if clients > 1 {
				// the CLI's own durable has MaxAckPending batch × clients;
				// the module's Consumers share one of W: so is this one
				if err := sharedWindowConsumer(b.Context(), js, stream); err != nil {
					return natsbench.Result{}, err
				}
				args = append(args, "--clients", strconv.Itoa(clients), "--consumer", sharedWindowDurable)
			}
			b.StartTimer()
			return natsbench.Run(b.Context(), cli, srv.ClientURL(), args...)
		}
	}
	b.Run("js-consume-batch-64", func(b *testing.B) { measure(b, consume(b, 1)) })
	// BenchmarkConsumers' anchor: N clients of the CLI, each on a connection
	// of its own, share one durable consumer whose MaxAckPending is W = 64
	// over all of them, as the module's consumers do, and split the 20,000
	// messages; msgs/s is all they moved over the slowest client's time.
	b.Run("js-consume-batch-64-clients", func(b *testing.B) {
		for _, n := range benchConsumerCounts {
			b.Run("consumers="+strconv.Itoa(n), func(b *testing.B) { measure(b, consume(b, n)) })
		}
	})
}

// sharedWindowDurable is the durable the CLI's competing clients share.
const sharedWindowDurable = "shared-window"

// sharedWindowConsumer creates it on stream: the CLI's consumer settings
// (deliver all, explicit acks) with MaxAckPending W = benchWindow.
func sharedWindowConsumer(ctx context.Context, js jetstream.JetStream, stream string) error {
	_, err := js.CreateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable: sharedWindowDurable, DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: benchWindow,
	})
	return err
}

// BenchmarkAnchorInProcess is the minimum a client in the benchmark's own
// process does, on the same embedded server, connection and stream
// configuration as BenchmarkProduce and BenchmarkConsume: what separates
// the module's code from the cost of sharing one process (and its two Ps)
// with the server, which `nats bench`, a process of its own, does not pay.
// js-pub-async-batch-256 is a bare loop of PublishMsgAsync with a
// Nats-Msg-Id, nats.go's window of 256 in flight, then
// PublishAsyncComplete; js-consume-batch-64 is a bare Consume whose
// callback only acks, on the queue's durable consumer (MaxAckPending and
// pull batch 64), timed from the first message to the last as `nats bench`
// times it.
func BenchmarkAnchorInProcess(b *testing.B) {
	js := testJetStream(b)
	publishAll := func(b *testing.B, q *JetStreamQueue, msgs []Message) {
		pub, err := jetstream.New(js.Conn(), jetstream.WithPublishAsyncMaxPending(benchPublishWindow))
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range msgs {
			msg := &nats.Msg{Subject: q.Config().Subject, Data: m.Payload, Header: nats.Header{}}
			msg.Header.Set(jetstream.MsgIDHeader, strconv.FormatUint(m.ID, 10))
			if _, err := pub.PublishMsgAsync(msg, jetstream.WithStallWait(natsbench.Timeout)); err != nil {
				b.Fatal(err)
			}
		}
		select {
		case <-pub.PublishAsyncComplete():
		case <-time.After(natsbench.Timeout):
			b.Fatal("async publishes not acknowledged in time")
		}
	}
	messages := func() []Message {
		payloads := rand.New(rand.NewPCG(1, 2))
		msgs := make([]Message, splitMessages)
		for i := range msgs {
			msgs[i] = NewMessage(uint64(i), benchPayload, payloads)
		}
		return msgs
	}
	b.Run("js-pub-async-batch-"+strconv.Itoa(benchPublishWindow), func(b *testing.B) {
		var elapsed time.Duration
		for b.Loop() {
			b.StopTimer()
			q := splitQueue(b, js, 0)
			msgs := messages()
			b.StartTimer()
			began := time.Now()
			publishAll(b, q, msgs)
			elapsed += time.Since(began)
			b.StopTimer()
			if err := q.Delete(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(b.N*splitMessages)/elapsed.Seconds(), "msgs/s")
	})
	b.Run("js-consume-batch-"+strconv.Itoa(benchWindow), func(b *testing.B) {
		var elapsed time.Duration
		for b.Loop() {
			b.StopTimer()
			q := splitQueue(b, js, 0)
			publishAll(b, q, messages())
			var got atomic.Int64
			var first time.Time
			done := make(chan struct{})
			b.StartTimer()
			cc, err := q.Consumer().Consume(func(m jetstream.Msg) {
				if got.Load() == 0 {
					first = time.Now()
				}
				_ = m.Ack()
				if got.Add(1) == splitMessages {
					close(done)
				}
			}, jetstream.PullMaxMessages(benchWindow))
			if err != nil {
				b.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(natsbench.Timeout):
				b.Fatalf("consumed %d of %d in time", got.Load(), splitMessages)
			}
			elapsed += time.Since(first)
			b.StopTimer()
			cc.Stop()
			<-cc.Closed()
			if err := q.Delete(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(b.N*splitMessages)/elapsed.Seconds(), "msgs/s")
	})
}
