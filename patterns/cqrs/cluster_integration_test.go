//go:build integration

package cqrs

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/looplab/eventhorizon/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/kit/goimage"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// cluster is three nats-server containers, built from the module's own
// nats-server version, routed to each other on a private Docker network.
type cluster struct {
	nodes map[string]testcontainers.Container // by server name
	urls  []string                            // client URLs on the host
}

func startCluster(t *testing.T, ctx context.Context) *cluster {
	t.Helper()
	goimage.RequireDocker(t)
	image, err := goimage.Build(ctx, "github.com/nats-io/nats-server/v2")
	require.NoError(t, err, "build the nats-server image")
	nw, err := network.New(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nw.Remove(context.WithoutCancel(ctx)) })

	names := []string{"n1", "n2", "n3"}
	routes := make([]string, len(names))
	for i, n := range names {
		routes[i] = "nats://" + n + ":6222"
	}
	c := &cluster{nodes: map[string]testcontainers.Container{}}
	for _, name := range names {
		node, err := testcontainers.Run(ctx, image,
			testcontainers.WithCmd("-n", name, "-p", "4222", "-js", "-sd", "/data",
				"--cluster_name", "ledger", "--cluster", "nats://0.0.0.0:6222",
				"--routes", strings.Join(routes, ","), "--no_advertise"),
			testcontainers.WithExposedPorts("4222/tcp"),
			network.WithNetwork([]string{name}, nw),
			testcontainers.WithWaitStrategy(wait.ForLog("Server is ready").WithStartupTimeout(30*time.Second)),
		)
		require.NoError(t, err, "start %s", name)
		t.Cleanup(func() { _ = testcontainers.TerminateContainer(node) })
		host, err := node.Host(ctx)
		require.NoError(t, err)
		port, err := node.MappedPort(ctx, "4222/tcp")
		require.NoError(t, err)
		c.nodes[name] = node
		c.urls = append(c.urls, fmt.Sprintf("nats://%s:%s", host, port.Port()))
	}
	return c
}

// dumpLogs prints each node's log, for a failed test.
func (c *cluster) dumpLogs(t *testing.T, ctx context.Context) {
	for name, node := range c.nodes {
		r, err := node.Logs(ctx)
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(r)
		_ = r.Close()
		t.Logf("--- %s ---\n%s", name, b)
	}
}

func (c *cluster) url() string { return strings.Join(c.urls, ",") }

func (c *cluster) connect(t *testing.T, name string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := natsembed.Connect(c.url(), name, nats.Timeout(5*time.Second))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return nc, js
}

// TestIntegrationClusterLeaderLoss runs the ledger on an R3 stream in a
// three-node cluster, stops the container of the stream's leader while
// writers are appending, and checks that every acknowledged append is still
// in the log exactly once and that the read models converge to it.
//
// Fault: crash | target: the R3 stream's leader node, its container stopped while writers append | invariant: every acknowledged append is in the log exactly once and the read models converge to it
func TestIntegrationClusterLeaderLoss(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := startCluster(t, ctx)
	l := DefaultLog()
	l.Replicas = 3

	_, js := c.connect(t, "setup")
	var (
		store   *EventStore
		lastErr error
	)
	if !assert.Eventually(t, func() bool { // the cluster elects its meta leader first
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		store, lastErr = NewEventStore(actx, js, l)
		return lastErr == nil
	}, 60*time.Second, 250*time.Millisecond, "create the R3 stream") {
		c.dumpLogs(t, ctx)
		t.Fatalf("last error: %v", lastErr)
	}
	info, err := store.stream.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, info.Config.Replicas)

	models := NewReadModels()
	readSide, err := startProjectors(ctx, c.url(), l, models, time.Second, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = readSide.stop() })

	const writers = 3
	var (
		mu        sync.Mutex
		acked     = map[uuid.UUID]int64{}
		customers []customer
		total     atomic.Int32
		stopped   atomic.Bool
		afterStop atomic.Int32
		stopAt    time.Time
		firstAck  atomic.Int64 // unix nanos of the first ack after the stop
	)
	ledgers := make([]*Ledger, writers)
	for w := range writers {
		_, wjs := c.connect(t, fmt.Sprintf("writer-%d", w))
		ws, err := NewEventStore(ctx, wjs, l)
		require.NoError(t, err)
		ledgers[w], err = NewLedger(ws)
		require.NoError(t, err)
		id := uuid.New()
		require.NoError(t, ledgers[w].HandleCommand(ctx, &OpenAccount{AccountID: id, ID: uuid.New(), Owner: fmt.Sprintf("writer-%d", w)}))
		customers = append(customers, customer{name: fmt.Sprintf("writer-%d", w), id: id})
	}

	var g errgroup.Group
	for w, ledger := range ledgers {
		acct := customers[w].id
		g.Go(func() error {
			deadline := time.Now().Add(2 * time.Minute)
			for i := 0; afterStop.Load() < 150 || !stopped.Load(); {
				cmd := &Deposit{AccountID: acct, ID: legID(acct, fmt.Sprint(i)), Amount: int64(i%500 + 1)}
				cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				err := ledger.HandleCommand(cctx, cmd)
				cancel()
				if err != nil {
					if time.Now().After(deadline) {
						return fmt.Errorf("writer %d: no progress: %w", w, err)
					}
					continue // not acknowledged: send the same command again
				}
				mu.Lock()
				acked[cmd.ID] = cmd.Amount
				mu.Unlock()
				total.Add(1)
				if stopped.Load() {
					afterStop.Add(1)
					firstAck.CompareAndSwap(0, time.Now().UnixNano())
				}
				i++
			}
			return nil
		})
	}

	require.Eventually(t, func() bool { return total.Load() >= 200 }, time.Minute, 10*time.Millisecond)
	info, err = store.stream.Info(ctx)
	require.NoError(t, err)
	leader := info.Cluster.Leader
	require.Contains(t, c.nodes, leader)
	stop := time.Duration(0)
	stopAt = time.Now()
	require.NoError(t, c.nodes[leader].Stop(ctx, &stop), "stop the stream leader %s", leader)
	stopped.Store(true)
	t.Logf("stopped stream leader %s after %d acked appends", leader, total.Load())
	require.NoError(t, g.Wait())
	t.Logf("first acknowledged append %s after the stop began", time.Unix(0, firstAck.Load()).Sub(stopAt).Round(time.Millisecond))

	require.Eventually(t, func() bool {
		info, err := store.stream.Info(ctx)
		return err == nil && info.Cluster.Leader != "" && info.Cluster.Leader != leader
	}, time.Minute, 100*time.Millisecond, "a new leader is elected")

	// A cluster that has just elected a leader can still refuse the first
	// requests for a while (see resolveLost), so the replay starts over,
	// into fresh projections, until it completes once.
	// (assertEventually runs the replay on the test's goroutine: one still under
	// way when require.Eventually gave up would log after the test ended.)
	var audit *Audit
	var rebuilt *ReadModels
	if !assertEventually(func() bool {
		a, r := NewAudit(), NewReadModels()
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if _, err := store.Replay(rctx, a, r); err != nil {
			t.Logf("replay the log: %v (trying again)", err)
			return false
		}
		audit, rebuilt = a, r
		return true
	}, time.Minute) {
		t.Fatal("replay the whole log after the leader stopped: no replay completed in a minute")
	}
	mu.Lock()
	defer mu.Unlock()
	var want int64
	for id, amount := range acked {
		assert.Equal(t, 1, audit.EventsFor(id), "acknowledged append %s is in the log once", id)
		want += amount
	}
	assert.Empty(t, audit.AppliedTwice())
	assert.Equal(t, want, audit.Total, "the log adds up to what was acknowledged")
	t.Logf("%d acknowledged appends, %d after the leader stopped; log holds %d events", len(acked), afterStop.Load(), audit.Events)

	require.NoError(t, waitCaughtUp(ctx, ledgers[0], models, customers, 90*time.Second), "the read models converge")
	_, _, err = Compare(ctx, models, rebuilt)
	require.NoError(t, err, "the live read models equal a replay of the log")
	live, err := models.Total(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, live)
}
