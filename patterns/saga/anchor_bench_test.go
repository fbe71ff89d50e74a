package saga_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/kit/temporalfloor"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// BenchmarkAnchorTemporalFloor is the anchor of BenchmarkSaga/orchestration:
// the same rounds of 32 workflows in flight, each of as many steps as the
// saga has (three), but every step an activity that returns at once, on a
// dev server started the same way (its worker in this process, with the
// saga worker's options). What is left is what Temporal itself needs per
// activity step. Local activities run inside the workflow task instead: the
// alternative, without the task queue hop and without its guarantees (no
// separate retry and timeout per attempt on the server, no heartbeat).
func BenchmarkAnchorTemporalFloor(b *testing.B) {
	for _, local := range []bool{false, true} {
		name := fmt.Sprintf("activities-%d", len(shop.Forward))
		if local {
			name = "local-" + name
		}
		b.Run(name, func(b *testing.B) {
			if temporaldev.Available() != nil {
				b.Skip("skipped: no Temporal CLI (TEMPORAL_CLI): run through make, which builds it once")
			}
			ctx := context.Background()
			c := devServer(b, ctx)
			queue := "floor-" + name
			w := worker.New(c, queue, worker.Options{StickyScheduleToStartTimeout: time.Second})
			temporalfloor.Register(w)
			if err := w.Start(); err != nil {
				b.Fatal(err)
			}
			defer w.Stop()
			var lat []time.Duration
			var elapsed time.Duration
			rounds := 0
			for b.Loop() {
				rounds++
				r, err := temporalfloor.Run(ctx, c, queue, fmt.Sprintf("%s-%d-%d", name, b.N, rounds), inFlight, inFlight, len(shop.Forward), local)
				if err != nil {
					b.Fatal(err)
				}
				lat, elapsed = append(lat, r.Latencies...), elapsed+r.Elapsed
			}
			all := temporalfloor.Round{Latencies: lat}
			all = temporalfloor.Sorted(all)
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "workflows/s")
			b.ReportMetric(ms(all.Percentile(0.5)), "p50-ms")
			b.ReportMetric(ms(all.Percentile(0.99)), "p99-ms")
			b.ReportMetric(ms(all.Percentile(0.5))/float64(len(shop.Forward)), "p50-ms/step")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
