//go:build integration

package saga_test

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/patternlab/patternlab/kit/goimage"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/saga"
	"github.com/patternlab/patternlab/patterns/saga/choreography"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/orchestration"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// The orchestration against a Temporal dev server running as a separate
// process, with the worker in another process: 30 sagas run 10 at a time
// under faults; at the 12th step applied anywhere, the worker is SIGKILLed
// before it hears the answer, and a new worker process starts later. Every
// saga still ends completed or compensated and the invariant holds: the
// step the dead worker had asked for was applied once, and its retry was
// absorbed.
//
// Fault: kill-9 | target: the worker process, at the 12th step applied, before it hears the answer | invariant: every saga ends completed or compensated; the step the dead worker asked for is applied once
func TestIntegrationOrchestrationSurvivesWorkerSIGKILL(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	url := natsURL(t)
	tg := devTarget(t, ctx)
	c := dial(t, ctx, tg)

	orders := shop.NewOrders(30, 11)
	plan := shop.NewPlan(orders, 11, 0.3)
	wcfg := orchestration.WorkerConfig{TemporalAddress: tg.Address, Namespace: tg.Namespace, NATSURL: url, Prefix: "kill", TaskQueue: orchestration.TaskQueue + "-kill"}
	var (
		mu      sync.Mutex
		worker  *orchestration.WorkerProcess
		applied atomic.Int64
		killed  = make(chan ledger.Key)
	)
	hooks := ledger.Hooks{AfterApply: func(r ledger.Result) {
		if applied.Add(1) != 12 {
			return
		}
		mu.Lock()
		worker.Kill() // before the service answers: the reply is lost
		mu.Unlock()
		killed <- r.Key
	}}
	svcs := orchestrationServices(t, url, "kill", shop.Options{Ledger: ledger.Options{Inject: plan, Hooks: hooks}}, plan)
	worker, err := orchestration.StartWorkerProcess(ctx, wcfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		assert.NoError(t, worker.Stop(), "the worker process exits cleanly on SIGTERM")
	})

	orch := &orchestration.TemporalOrchestrator{Client: c, TaskQueue: wcfg.TaskQueue, IDPrefix: "kill"}
	type result struct {
		outcomes map[string]shop.Outcome
		err      error
	}
	done := make(chan result, 1)
	go func() {
		out, _, err := runOrchestrated(ctx, orch, orders, 10)
		done <- result{out, err}
	}()

	key := <-killed
	mu.Lock()
	require.True(t, worker.Exited(), "the worker process is gone")
	mu.Unlock()
	t.Logf("worker SIGKILLed after %s applied", key)
	mu.Lock()
	worker, err = orchestration.StartWorkerProcess(ctx, wcfg)
	mu.Unlock()
	require.NoError(t, err)

	res := <-done
	require.NoError(t, res.err)
	r := shop.Verify(orders, res.outcomes, snapshots(svcs))
	assert.Empty(t, r.Violations)
	assert.Equal(t, len(orders), r.Completed+r.Compensated)
	e, ok := snapshots(svcs)[shop.Step(key.Step).Service()].Entry(key)
	require.True(t, ok)
	assert.Equal(t, 1, e.Applied, "%s applied once", key)
	assert.GreaterOrEqual(t, e.Duplicates, 1, "%s was retried after the kill and absorbed", key)
}

// The choreography against nats-server in a container, with the payment
// service in a container of its own (cmd/service, ledger in a file): the
// payment container is stopped mid-run and started again. Its durable
// consumer picks up where it stopped, its ledger comes back from the file,
// and the invariant holds.
//
// Fault: crash | target: the payment service's container, stopped mid-run and started again | invariant: its durable consumer and file ledger pick up where they stopped; the invariant holds
func TestIntegrationChoreographyServiceContainerRestart(t *testing.T) {
	goimage.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	serviceImage, err := goimage.Build(ctx, "github.com/patternlab/patternlab/patterns/saga/cmd/service")
	require.NoError(t, err)
	net, err := network.New(ctx)
	require.NoError(t, err)
	testcontainers.CleanupNetwork(t, net)
	url := goimage.NATS(t, ctx, net.Name) // nats://nats:4222 on net

	const prefix, n, seed, rate = "ctr", 40, 5, 0.3
	orders := shop.NewOrders(n, seed)
	plan := shop.NewPlan(orders, seed, rate)
	local := services(t, shop.Options{Ledger: ledger.Options{Inject: plan}})
	delete(local, shop.Payment) // runs in its container
	chor, err := choreography.Start(ctx, url, local, choreography.Options{
		ParticipantOptions: choreography.ParticipantOptions{Prefix: prefix, Plan: plan, AckWait: 2 * time.Second},
	})
	require.NoError(t, err)
	t.Cleanup(chor.Close)

	payment, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image: serviceImage,
			Cmd: []string{"-service", "payment", "-nats", "nats://nats:4222", "-prefix", prefix,
				"-store", "/data/payment.json", "-orders", "40", "-seed", "5", "-fault-rate", "0.3", "-ack-wait", "2s"},
			Networks:   []string{net.Name},
			WaitingFor: wait.ForLog("ready: consuming").WithStartupTimeout(30 * time.Second),
		},
		Started: true,
	})
	testcontainers.CleanupContainer(t, payment)
	require.NoError(t, err)

	for _, o := range orders[:n/2] {
		require.NoError(t, chor.Place(ctx, o))
	}
	require.Eventually(t, func() bool { return len(chor.Outcomes()) >= 5 }, time.Minute, 10*time.Millisecond, "sagas end while payment runs")

	stopTimeout := 5 * time.Second
	require.NoError(t, payment.Stop(ctx, &stopTimeout))
	for _, o := range orders[n/2:] {
		require.NoError(t, chor.Place(ctx, o))
	}
	require.Eventually(t, func() bool {
		b, err := chor.Backlog(ctx, shop.Payment)
		return err == nil && b > 0
	}, time.Minute, 10*time.Millisecond, "events wait for the stopped payment service")

	require.NoError(t, payment.Start(ctx))
	for _, o := range orders {
		_, err := chor.Wait(ctx, o.ID)
		require.NoError(t, err, o.ID)
	}
	require.NoError(t, chor.Quiesce(ctx))
	snaps, err := chor.Snapshots(ctx)
	require.NoError(t, err)
	r := shop.Verify(orders, chor.Outcomes(), snaps)
	assert.Empty(t, r.Violations)
	assert.Equal(t, n, r.Completed+r.Compensated)
	assert.NotEmpty(t, snaps[shop.Payment].Entries, "payment's state came back from its container")

	// The stream kept every event: nothing was lost while payment was down.
	js, err := jetstream.New(labtest.Conn(t, url))
	require.NoError(t, err)
	_, err = js.Stream(ctx, choreography.StreamName(prefix))
	require.NoError(t, err)
}

// The demo against a separately started nats-server (a container) on which
// streams of the demo's default names already exist: it must end HELD,
// create only uniquely named streams, leave the existing ones exactly as
// they were and delete its own.
func TestIntegrationLeavesForeignStreamsAlone(t *testing.T) {
	goimage.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	url := goimage.NATS(t, ctx)
	labtest.LeavesForeignStreamsAlone(t, url, saga.Command,
		[]string{choreography.StreamName("chor"), choreography.DeadLetterStreamName("chor")},
		"-temporal=memory")
}

// The invariant property on a real dev server (its worker in this
// process), two seeds, ten sagas in flight.
//
// Fault: failure | target: the activities on a real dev server: the seeded fault schedule | invariant: every saga completed or fully compensated; stock and money add up; no step applied twice
func TestIntegrationOrchestrationOnTheDevServerInvariantHoldsForEverySeed(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	url := natsURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := devServer(t, ctx)
	for seed := uint64(1); seed <= 2; seed++ {
		orders := shop.NewOrders(12, seed)
		plan := shop.NewPlan(orders, seed, 0.35)
		prefix := prefixFor("dev", seed)
		svcs := orchestrationServices(t, url, prefix, shop.Options{Ledger: ledger.Options{Inject: plan}}, plan)
		queue := orchestration.TaskQueue + "-" + prefix
		w := orchestration.NewWorker(c, queue, &orchestration.Activities{NC: labtest.Conn(t, url), Prefix: prefix})
		require.NoError(t, w.Start())
		orch := &orchestration.TemporalOrchestrator{Client: c, TaskQueue: queue, IDPrefix: prefix}
		outcomes, _, err := runOrchestrated(ctx, orch, orders, 10)
		w.Stop()
		require.NoError(t, err, "seed %d", seed)
		r := shop.Verify(orders, outcomes, snapshots(svcs))
		require.Empty(t, r.Violations, "seed %d", seed)
	}
}

// And without idempotency on the dev server: the charge Temporal retried
// after the worker was killed is applied a second time.
func TestIntegrationDemoOnTheDevServerWithoutIdempotencyChargesTwice(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	cfg := saga.DefaultConfig()
	cfg.Idempotency = false
	out, n := runDemo(t, cfg)
	assert.False(t, n.Held())
	assert.Contains(t, out, "[payment] order-5 charged 195.00 (attempt 2): APPLIED 2 TIMES\n")
	assert.Contains(t, out, "orchestration: order-5/charge applied 2 times")
}

// The demo against a Temporal server it did not start (TEMPORAL_ADDRESS),
// on which someone else's OrderSaga waits under the demo's default task
// queue and workflow ID: the demo must hold with its own unique names,
// leave that workflow exactly as it was, and delete its own workflows.
func TestIntegrationDemoOnASharedTemporalLeavesOthersAloneAndNothingBehind(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	tg := devTarget(t, ctx)
	c := dial(t, ctx, tg)
	foreign, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "saga-order-1", TaskQueue: orchestration.TaskQueue},
		"OrderSaga", orchestration.Input{Order: shop.Order{ID: "order-1", SKU: "lamp", Qty: 1, Amount: 4000}})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = c.TerminateWorkflow(context.Background(), foreign.GetID(), foreign.GetRunID(), "test over")
	})
	before, err := c.DescribeWorkflow(ctx, foreign.GetID(), foreign.GetRunID())
	require.NoError(t, err)

	t.Setenv(temporaldev.EnvAddress, tg.Address)
	var out, errOut bytes.Buffer
	code := narrate.Exec(ctx, nil, &out, &errOut, saga.Command)
	require.Equal(t, narrate.ExitHeld, code, "stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	assert.Contains(t, out.String(), "[lab] Temporal: a shared server from TEMPORAL_ADDRESS")

	after, err := c.DescribeWorkflow(ctx, foreign.GetID(), foreign.GetRunID())
	require.NoError(t, err)
	assert.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, after.RawResponse.GetWorkflowExecutionInfo().GetStatus(), "the foreign workflow still waits")
	assert.Equal(t, before.RawResponse.GetWorkflowExecutionInfo().GetHistoryLength(), after.RawResponse.GetWorkflowExecutionInfo().GetHistoryLength(), "untouched")

	// Deletion is asynchronous on the server: wait (a minute at most) until
	// only the foreign workflow is listed.
	var ids []string
	deleted, cancelDeleted := context.WithTimeout(ctx, time.Minute)
	defer cancelDeleted()
	require.NoError(t, waitFor(deleted, func() bool {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: tg.Namespace})
		if err != nil {
			return false
		}
		ids = ids[:0]
		for _, e := range resp.GetExecutions() {
			ids = append(ids, e.GetExecution().GetWorkflowId())
		}
		return len(ids) == 1
	}), "the demo's workflows are deleted; listed: %v", ids)
	assert.Equal(t, []string{"saga-order-1"}, ids)
}
