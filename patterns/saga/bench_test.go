package saga_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/saga/choreography"
	"github.com/patternlab/patternlab/patterns/saga/orchestration"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// inFlight is how many sagas each benchmark keeps running at once; one
// benchmark operation is a round of inFlight sagas.
const inFlight = 32

// BenchmarkSaga measures the same saga (three steps, no faults) in both
// styles, in the same run: sagas per second and the latency of one saga
// from start to its outcome, with 32 sagas in flight (ns/op is the time of
// 32 sagas). The choreography runs on an embedded nats-server; the
// orchestration on a Temporal dev server (its worker in this process),
// calling the same services over NATS.
func BenchmarkSaga(b *testing.B) {
	b.Run("choreography", benchChoreography)
	b.Run("orchestration", benchOrchestration)
}

func benchChoreography(b *testing.B) {
	url := natsURL(b)
	ctx := context.Background()
	svcs := services(b, shop.Options{})
	c, err := choreography.Start(ctx, url, svcs, choreography.Options{ParticipantOptions: choreography.ParticipantOptions{Prefix: "bench"}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	orders := benchOrders(b.N)

	b.ResetTimer()
	start := time.Now()
	lat, err := runAll(ctx, orders, func(ctx context.Context, o shop.Order) error {
		if err := c.Place(ctx, o); err != nil {
			return err
		}
		_, err := c.Wait(ctx, o.ID)
		return err
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Quiesce(ctx); err != nil {
		b.Fatal(err)
	}
	report(b, orders, c.Outcomes(), svcs, lat, elapsed)
}

func benchOrchestration(b *testing.B) {
	if temporaldev.Available() != nil {
		b.Skip("skipped: no Temporal CLI (TEMPORAL_CLI): run through make, which builds it once")
	}
	url := natsURL(b)
	ctx := context.Background()
	c := devServer(b, ctx)
	prefix := fmt.Sprintf("bench%d", b.N)
	svcs := orchestrationServices(b, url, prefix, shop.Options{}, nil)
	queue := orchestration.TaskQueue + "-" + prefix
	w := orchestration.NewWorker(c, queue, &orchestration.Activities{NC: labtest.Conn(b, url), Prefix: prefix})
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	orch := &orchestration.TemporalOrchestrator{Client: c, TaskQueue: queue, IDPrefix: prefix}
	orders := benchOrders(b.N)

	b.ResetTimer()
	start := time.Now()
	outcomes, lat, err := runOrchestrated(ctx, orch, orders, inFlight)
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	report(b, orders, outcomes, svcs, lat, elapsed)
}

func benchOrders(n int) []shop.Order { return shop.NewOrders(n*inFlight, 1) }

// runAll runs one saga per order, inFlight at a time, and returns each
// saga's latency.
func runAll(ctx context.Context, orders []shop.Order, one func(context.Context, shop.Order) error) ([]time.Duration, error) {
	lat := make([]time.Duration, len(orders))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(inFlight)
	for i, o := range orders {
		g.Go(func() error {
			start := time.Now()
			if err := one(ctx, o); err != nil {
				return err
			}
			lat[i] = time.Since(start)
			return nil
		})
	}
	return lat, g.Wait()
}

// report checks the invariant (a benchmark of a broken saga measures
// nothing) and reports the domain metrics.
func report(b *testing.B, orders []shop.Order, outcomes map[string]shop.Outcome, svcs map[string]*shop.Service, lat []time.Duration, elapsed time.Duration) {
	b.Helper()
	if r := shop.Verify(orders, outcomes, snapshots(svcs)); len(r.Violations) > 0 {
		b.Fatalf("invariant violated: %v", r.Violations)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(len(orders))/elapsed.Seconds(), "sagas/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(0.50)/float64(len(shop.Forward)), "p50-ms/step")
}
