package backpressure

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// Benchmarks run every strategy through the same harness (Run) as the demo.
// The reference is the synchronous hand-off: a bounded channel of capacity 0,
// a direct call from producer to consumer.

const (
	benchBuffer  = 256
	benchWindow  = 64
	benchPayload = 1024
	benchRate    = 5_000 // μ of BenchmarkOverload, msg/s (as in the demo)
	// benchPublishWindow is P of the asynchronous producer, and the batch
	// of its anchor (`nats bench js pub async --batch`).
	benchPublishWindow = 256
)

// nameJetStreamAsync labels the JetStream strategy with the asynchronous
// producer in the benchmarks.
const nameJetStreamAsync = "jetstream-async"

type benchStrategy struct {
	name string
	new  func(b *testing.B, admit float64) Strategy
}

// benchStrategies starts one nats-server for the calling benchmark.
func benchStrategies(b *testing.B) []benchStrategy {
	js := testJetStream(b)
	return []benchStrategy{
		{"synchronous-handoff", func(*testing.B, float64) Strategy { return NewBoundedChannel(0) }},
		{NameUnbounded, func(*testing.B, float64) Strategy { return NewUnboundedBuffer() }},
		{NameBounded, func(*testing.B, float64) Strategy { return NewBoundedChannel(benchBuffer) }},
		{NameShedding, func(_ *testing.B, admit float64) Strategy { return NewShedder(benchBuffer, admit, benchBuffer/4) }},
		{NameJetStream, func(b *testing.B, _ float64) Strategy {
			return testQueueOn(b, js, benchBuffer, benchWindow, 5*time.Second)
		}},
		{nameJetStreamAsync, func(b *testing.B, _ float64) Strategy {
			return testQueueWith(b, js, JetStreamConfig{Capacity: benchBuffer, Window: benchWindow, AckWait: 5 * time.Second, PublishWindow: benchPublishWindow})
		}},
	}
}

// BenchmarkOverload: a consumer of μ = 5,000 msg/s and a producer ten
// times faster, b.N messages of 1 KiB. ns/op is per message offered.
func BenchmarkOverload(b *testing.B) {
	for _, s := range benchStrategies(b) {
		b.Run(s.name, func(b *testing.B) {
			w := Workload{Messages: b.N, ServiceRate: benchRate, Overload: 10, PayloadSize: benchPayload, Seed: 1}
			strategy := s.new(b, benchRate)
			b.ResetTimer()
			r, err := Run(b.Context(), strategy, w)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if v := r.Audit.Violations(); len(v) > 0 {
				b.Fatalf("invariant violated: %v", v)
			}
			report(b, r)
		})
	}
}

// overloadFactors are the points of the overload curve: λ = k·μ.
var overloadFactors = []float64{1, 2, 5, 10, 20, 50}

// overloadFactorMessages is the workload of one BenchmarkOverloadFactor
// operation: 0.4 s of the consumer's work at μ = 5,000 msg/s.
const overloadFactorMessages = 2_000

// BenchmarkOverloadFactor is the overload curve: each strategy under a
// producer k = 1 to 50 times faster than its consumer of μ = 5,000 msg/s,
// 2,000 messages of 1 KiB per operation. Goodput (msgs/s), latency (p99-ms)
// and the share shed (shed-%) are each operation's, medians over the
// operations.
func BenchmarkOverloadFactor(b *testing.B) {
	for _, s := range benchStrategies(b) {
		if s.name == "synchronous-handoff" {
			continue // the bounded channel of 0: the curve shows the one of B
		}
		b.Run(s.name, func(b *testing.B) {
			for _, k := range overloadFactors {
				b.Run("overload="+strconv.FormatFloat(k, 'f', -1, 64), func(b *testing.B) {
					w := Workload{Messages: overloadFactorMessages, ServiceRate: benchRate, Overload: k, PayloadSize: benchPayload, Seed: 1}
					var runs []Result
					for b.Loop() {
						r, err := Run(b.Context(), s.new(b, benchRate), w)
						if err != nil {
							b.Fatal(err)
						}
						if v := r.Audit.Violations(); len(v) > 0 {
							b.Fatalf("invariant violated: %v", v)
						}
						runs = append(runs, r)
					}
					reportMedians(b, runs)
				})
			}
		})
	}
}

// reportMedians reports the median over runs of each run's goodput, p99
// latency and share shed.
func reportMedians(b *testing.B, runs []Result) {
	median := func(f func(Result) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	b.ReportMetric(median(Result.Goodput), "msgs/s")
	b.ReportMetric(median(func(r Result) float64 { return ms(r.Audit.Percentile(0.99)) }), "p99-ms")
	b.ReportMetric(median(func(r Result) float64 { return 100 * float64(r.Audit.Shed) / float64(r.Audit.Offered) }), "shed-%")
}

// flatOutMessages is the workload of one BenchmarkFlatOut operation.
const flatOutMessages = 10_000

// BenchmarkFlatOut: producer and consumer both as fast as they go, 10,000
// messages of 1 KiB per operation: what each mechanism costs per message.
func BenchmarkFlatOut(b *testing.B) {
	for _, s := range benchStrategies(b) {
		b.Run(s.name, func(b *testing.B) {
			w := Workload{Messages: flatOutMessages, PayloadSize: benchPayload, Seed: 1}
			var last Result
			var processed int
			var elapsed time.Duration
			var pushbacks int64
			for b.Loop() {
				strategy := s.new(b, float64(rate.Inf))
				r, err := Run(b.Context(), strategy, w)
				if q, ok := strategy.(*JetStreamQueue); ok {
					pushbacks += q.Stats().Pushbacks
				}
				if err != nil {
					b.Fatal(err)
				}
				if v := r.Audit.Violations(); len(v) > 0 {
					b.Fatalf("invariant violated: %v", v)
				}
				processed += r.Audit.Processed
				elapsed += r.Elapsed
				last = r
			}
			b.ReportMetric(float64(processed)/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(ms(last.Audit.Percentile(0.99)), "p99-ms")
			b.ReportMetric(float64(last.OwnPeak), "peak-queue")
			if pushbacks > 0 {
				// publishes a full stream refused, per operation: each one
				// a round trip and a wait (minPushback, doubling)
				b.ReportMetric(float64(pushbacks)/float64(b.N), "pushbacks/op")
			}
		})
	}
}

func report(b *testing.B, r Result) {
	a := r.Audit
	b.ReportMetric(r.Goodput(), "msgs/s")
	b.ReportMetric(ms(a.Percentile(0.50)), "p50-ms")
	b.ReportMetric(ms(a.Percentile(0.99)), "p99-ms")
	b.ReportMetric(float64(r.OwnPeak), "peak-queue")
	b.ReportMetric(float64(r.HeapGrowth())/(1<<20), "heap-MiB")
	if a.Offered > 0 {
		b.ReportMetric(100*float64(a.Shed)/float64(a.Offered), "shed-%")
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
