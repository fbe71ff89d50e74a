package fintech

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/kit/temporalfloor"
)

// BenchmarkAnchorTemporalFloor is the Temporal anchor of
// BenchmarkPayment/saga (its other anchor, the single-database baseline, is
// BenchmarkPayment/sqlite-tx, in the same benchmark): floor workflows of as
// many activities as a settled payment runs (the debit, then the credit),
// each returning at once, 16 in flight, on a dev server started the same
// way, with a worker of the payment worker's options. A floor workflow
// stands for one payment: payments/s and the latency from start to result
// are what Temporal itself needs for a two-step saga, without the legs'
// JetStream round trips to the banks' books.
func BenchmarkAnchorTemporalFloor(b *testing.B) {
	const steps = 2 // bank.Debit, bank.Credit
	for _, local := range []bool{false, true} {
		name := fmt.Sprintf("activities-%d", steps)
		if local {
			name = "local-" + name
		}
		b.Run(name, func(b *testing.B) {
			requireTemporal(b)
			ctx := context.Background()
			t, err := temporaldev.FromEnv(ctx, temporaldev.Options{})
			require.NoError(b, err)
			b.Cleanup(t.Close)
			tc, err := t.Dial(ctx)
			require.NoError(b, err)
			b.Cleanup(tc.Close)
			queue := "floor-" + name
			w := worker.New(tc, queue, worker.Options{ // payment.NewWorker's options
				StickyScheduleToStartTimeout:           time.Second,
				MaxConcurrentActivityExecutionSize:     200,
				MaxConcurrentWorkflowTaskExecutionSize: 100,
				MaxConcurrentWorkflowTaskPollers:       8,
				MaxConcurrentActivityTaskPollers:       8,
			})
			temporalfloor.Register(w)
			require.NoError(b, w.Start())
			b.Cleanup(w.Stop)
			run := fmt.Sprintf("%s-%d", name, time.Now().UnixNano())
			// warm up as BenchmarkPayment/saga does: two rounds, untimed
			_, err = temporalfloor.Run(ctx, tc, queue, run+"-warm", 2*inFlight, inFlight, steps, local)
			require.NoError(b, err)
			var lat []time.Duration
			var elapsed time.Duration
			rounds := 0
			for b.Loop() {
				rounds++
				r, err := temporalfloor.Run(ctx, tc, queue, fmt.Sprintf("%s-%d", run, rounds), inFlight, inFlight, steps, local)
				require.NoError(b, err)
				lat, elapsed = append(lat, r.Latencies...), elapsed+r.Elapsed
			}
			all := temporalfloor.Sorted(temporalfloor.Round{Latencies: lat})
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "payments/s")
			reportLatency(b, all.Latencies)
		})
	}
}
