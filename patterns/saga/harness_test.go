package saga_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/patterns/saga/choreography"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/orchestration"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// services opens fresh in-memory ledgers for the three services.
func services(t testing.TB, o shop.Options) map[string]*shop.Service {
	t.Helper()
	svcs, err := shop.NewServices(o)
	require.NoError(t, err)
	return svcs
}

func snapshots(svcs map[string]*shop.Service) map[string]ledger.Snapshot {
	out := map[string]ledger.Snapshot{}
	for name, s := range svcs {
		out[name] = s.Ledger.Snapshot()
	}
	return out
}

// choreographyRun is one choreographed run: every order placed at once.
type choreographyRun struct {
	url     string
	prefix  string
	orders  []shop.Order
	plan    *shop.Plan
	crash   string // a service to crash mid-run and restart, or ""
	ackWait time.Duration
}

func (r choreographyRun) run(t testing.TB, ctx context.Context) (shop.Report, map[string]*shop.Service) {
	t.Helper()
	svcs := services(t, shop.Options{Ledger: ledger.Options{Inject: r.plan}})
	ackWait := r.ackWait
	if ackWait == 0 {
		ackWait = 300 * time.Millisecond
	}
	c, err := choreography.Start(ctx, r.url, svcs, choreography.Options{ParticipantOptions: choreography.ParticipantOptions{
		Prefix: r.prefix, Plan: r.plan, AckWait: ackWait, RetryDelay: 5 * time.Millisecond,
	}})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	half := len(r.orders) / 2
	for i, o := range r.orders {
		if r.crash != "" && i == half {
			require.NoError(t, c.Crash(r.crash))
		}
		require.NoError(t, c.Place(ctx, o))
	}
	if r.crash != "" {
		require.NoError(t, waitFor(ctx, func() bool {
			n, err := c.Backlog(ctx, r.crash)
			return err == nil && n > 0
		}), "events wait for the crashed %s", r.crash)
		require.NoError(t, c.Restart(ctx, r.crash))
	}
	for _, o := range r.orders {
		_, err := c.Wait(ctx, o.ID)
		require.NoError(t, err)
	}
	require.NoError(t, c.Quiesce(ctx))
	return shop.Verify(r.orders, c.Outcomes(), snapshots(svcs)), svcs
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, cond func() bool) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// orchestrationServices serves fresh services to the activities on url.
func orchestrationServices(t testing.TB, url, prefix string, o shop.Options, faults shop.ReplyFaults) map[string]*shop.Service {
	t.Helper()
	svcs := services(t, o)
	e, err := shop.ServeEndpoints(labtest.Conn(t, url), prefix, svcs, faults)
	require.NoError(t, err)
	t.Cleanup(e.Stop)
	return svcs
}

// runOrchestrated runs every order through orch, parallel at a time, and
// returns the outcomes and each saga's latency.
func runOrchestrated(ctx context.Context, orch orchestration.Orchestrator, orders []shop.Order, parallel int) (map[string]shop.Outcome, []time.Duration, error) {
	var mu sync.Mutex
	outcomes := map[string]shop.Outcome{}
	lat := make([]time.Duration, len(orders))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for i, o := range orders {
		g.Go(func() error {
			start := time.Now()
			out, err := orch.Run(ctx, o)
			if err != nil {
				return err
			}
			lat[i] = time.Since(start)
			mu.Lock()
			outcomes[o.ID] = out
			mu.Unlock()
			return nil
		})
	}
	return outcomes, lat, g.Wait()
}

func natsURL(t testing.TB) string {
	t.Helper()
	return labtest.NATS(t, func(o *natsembed.Options) { o.Name = "saga-test" }).ClientURL()
}

func prefixFor(name string, seed uint64) string { return fmt.Sprintf("%s%d", name, seed) }
