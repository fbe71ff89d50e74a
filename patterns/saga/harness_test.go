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
	"github.com/patternlab/patternlab/patterns/saga"
)

// services opens fresh in-memory ledgers for the three services.
func services(t testing.TB, o saga.LedgerOptions) map[string]*saga.Service {
	t.Helper()
	out := map[string]*saga.Service{}
	for _, name := range saga.Services {
		s, err := saga.NewService(name, o)
		require.NoError(t, err)
		out[name] = s
	}
	return out
}

func snapshots(svcs map[string]*saga.Service) map[string]saga.Snapshot {
	out := map[string]saga.Snapshot{}
	for name, s := range svcs {
		out[name] = s.Ledger.Snapshot()
	}
	return out
}

// choreographyRun is one choreographed run: every order placed at once.
type choreographyRun struct {
	url     string
	prefix  string
	orders  []saga.Order
	plan    *saga.Plan
	unsafe  bool
	dups    bool
	crash   string // a service to crash mid-run and restart, or ""
	ackWait time.Duration
}

func (r choreographyRun) run(t testing.TB, ctx context.Context) (saga.Report, *saga.Choreography) {
	t.Helper()
	svcs := services(t, saga.LedgerOptions{Inject: r.plan, UnsafeNoIdempotency: r.unsafe})
	ackWait := r.ackWait
	if ackWait == 0 {
		ackWait = 300 * time.Millisecond
	}
	c, err := saga.StartChoreography(ctx, r.url, svcs, saga.ChoreographyOptions{ParticipantOptions: saga.ParticipantOptions{
		Prefix: r.prefix, Plan: r.plan, DuplicateEvents: r.dups, AckWait: ackWait, RetryDelay: 5 * time.Millisecond,
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
		require.Eventually(t, func() bool {
			n, err := c.Backlog(ctx, r.crash)
			return err == nil && n > 0
		}, 10*time.Second, 5*time.Millisecond, "events wait for the crashed %s", r.crash)
		require.NoError(t, c.Restart(ctx, r.crash))
	}
	for _, o := range r.orders {
		_, err := c.Wait(ctx, o.ID)
		require.NoError(t, err)
	}
	require.NoError(t, c.Quiesce(ctx))
	return saga.Verify(r.orders, c.Outcomes(), snapshots(svcs)), c
}

// orchestrationServices serves fresh services to the activities on url.
func orchestrationServices(t testing.TB, url, prefix string, o saga.LedgerOptions) map[string]*saga.Service {
	t.Helper()
	svcs := services(t, o)
	nc := labtest.Conn(t, url)
	e, err := saga.ServeEndpoints(nc, prefix, svcs)
	require.NoError(t, err)
	t.Cleanup(e.Stop)
	return svcs
}

// runOrchestrated runs every order through orch, parallel at a time, and
// returns the outcomes and each saga's latency.
func runOrchestrated(ctx context.Context, orch saga.Orchestrator, orders []saga.Order, parallel int) (map[string]saga.Outcome, []time.Duration, error) {
	var mu sync.Mutex
	outcomes := map[string]saga.Outcome{}
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
