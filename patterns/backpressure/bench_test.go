package backpressure

import (
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
)

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
			for b.Loop() {
				r, err := Run(b.Context(), s.new(b, float64(rate.Inf)), w)
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
