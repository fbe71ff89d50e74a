package saga

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

// orchestration is act 2's state: the orchestrator, the worker process, and
// the scripted faults, which fire from inside the services (hooks) at the
// exact point the schedule names.
type orchestration struct {
	n    *narrate.Narrator
	plan *Plan
	cfg  Config
	orch Orchestrator
	wcfg WorkerConfig

	mu     sync.Mutex
	worker *WorkerProcess
	killed bool
	abort  context.CancelCauseFunc // of the saga in flight
}

// backend is what act 2 leaves running: the Temporal side, stopped by stop,
// and the Web UI's URL, if there is one.
type backend struct {
	stop func()
	ui   string
}

// runOrchestration is act 2: a Temporal workflow per order drives the same
// services over NATS request/reply. With the dev server, the worker runs in
// its own process and is SIGKILLed mid-saga. The caller stops the Temporal
// side (the dev server may be held for its Web UI).
func runOrchestration(ctx context.Context, n *narrate.Narrator, url string, orders []Order, plan *Plan, cfg Config) (Report, backend, error) {
	n.Act("act 2: orchestration: a Temporal workflow drives the services and holds the compensation stack")
	o := &orchestration{n: n, plan: plan, cfg: cfg}
	services, err := newServices(LedgerOptions{
		Inject:              plan,
		UnsafeNoIdempotency: cfg.UnsafeNoIdempotency,
		Hooks:               Hooks{BeforeApply: o.beforeApply, AfterApply: o.afterApply},
	})
	if err != nil {
		return Report{}, backend{}, err
	}
	nc, err := natsembed.Connect(url, "saga-services")
	if err != nil {
		return Report{}, backend{}, err
	}
	defer nc.Close()
	const prefix = "orch"
	endpoints, err := ServeEndpoints(nc, prefix, services)
	if err != nil {
		return Report{}, backend{}, err
	}
	defer endpoints.Stop()
	n.Step("lab", "inventory, payment and shipping answer requests on NATS; the activities call them")

	be, err := o.startBackend(ctx, url, prefix)
	if err != nil {
		return Report{}, backend{}, err
	}
	ok := false
	defer func() {
		if !ok {
			be.stop()
		}
	}()

	board := NewBoard()
	start := time.Now()
	for _, order := range orders {
		began := time.Now()
		out, err := o.runOne(ctx, order)
		if err != nil {
			return Report{}, backend{}, err
		}
		took := time.Since(began)
		tellStory(n, order.ID, services)
		tellOutcome(n, "orchestrator", out)
		n.Measure("orchestrator", "%s took %s", order.ID, took.Round(time.Millisecond))
		board.Record(out)
	}
	n.Measure("orchestrator", "%d sagas in %s, one after another", len(orders), time.Since(start).Round(time.Millisecond))

	snaps := map[string]Snapshot{}
	for name, s := range services {
		snaps[name] = s.Ledger.Snapshot()
	}
	r := Verify(orders, board.Outcomes(), snaps)
	tellChecks(n, "orchestration", r)
	ok = true
	return r, be, nil
}

// startBackend starts the Temporal side and returns how to stop it.
func (o *orchestration) startBackend(ctx context.Context, url, prefix string) (backend, error) {
	if o.cfg.Temporal == InMemory {
		nc, err := natsembed.Connect(url, "saga-worker")
		if err != nil {
			return backend{}, err
		}
		o.orch = &InMemoryOrchestrator{Activities: &Activities{NC: nc, Prefix: prefix}}
		o.n.Step("worker", "Temporal SDK test environment in this process: same workflow and activities, no server, no worker process to kill")
		return backend{stop: nc.Close}, nil
	}
	tg, err := temporaldev.FromEnv(ctx, temporaldev.Options{UI: true})
	if err != nil {
		return backend{}, err
	}
	o.n.Measure("temporal", "%s", tg.Describe())
	if tg.Embedded != nil && tg.Embedded.UIURL() != "" {
		o.n.Measure("temporal", "watch the workflows at %s/namespaces/%s/workflows", tg.Embedded.UIURL(), tg.Namespace)
	}
	c, err := tg.Dial(ctx)
	if err != nil {
		tg.Close()
		return backend{}, err
	}
	queue, ids := TaskQueue, "saga"
	if tg.Embedded == nil {
		// A shared server: keep this run's workflows and tasks apart.
		run := time.Now().Format("20060102-150405")
		queue, ids = TaskQueue+"-"+run, "saga-"+run
	}
	o.orch = &TemporalOrchestrator{Client: c, TaskQueue: queue, IDPrefix: ids}
	o.wcfg = WorkerConfig{TemporalAddress: tg.Address, Namespace: tg.Namespace, NATSURL: url, Prefix: prefix, TaskQueue: queue}
	w, err := StartWorkerProcess(ctx, o.wcfg)
	if err != nil {
		c.Close()
		tg.Close()
		return backend{}, err
	}
	o.worker = w
	o.n.Step("worker", "worker started in its own OS process (this binary, re-executed), polling task queue %s", TaskQueue)
	o.n.Measure("worker", "worker pid %d", w.PID())
	ui := ""
	if tg.Embedded != nil {
		ui = tg.Embedded.UIURL()
	}
	return backend{ui: ui, stop: func() {
		o.mu.Lock()
		if o.worker != nil {
			// Teardown: Stop kills a worker that ignores SIGTERM, and how
			// the worker exits changes no verdict.
			_ = o.worker.Stop()
			o.worker = nil
		}
		o.mu.Unlock()
		c.Close()
		tg.Close()
	}}, nil
}

func (o *orchestration) runOne(ctx context.Context, order Order) (Outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, sagaTimeout)
	defer cancel()
	ctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	o.mu.Lock()
	o.abort = abort
	o.mu.Unlock()
	o.n.Step("orchestrator", "%s workflow started: %s", order.ID, order.What())
	out, err := o.orch.Run(ctx, order)
	if cause := context.Cause(ctx); err != nil && cause != nil {
		return Outcome{}, fmt.Errorf("%w (%w)", err, cause)
	}
	return out, err
}

// beforeApply is the cancel fault: the customer cancels while payment is
// charging. The charge waits until the signal is in the workflow's history,
// so the workflow sees it right after the charge: deterministic.
func (o *orchestration) beforeApply(k Key, attempt int) {
	if k != o.plan.Cancel || attempt != 1 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := o.orch.Progress(ctx, k.Saga)
	if err != nil {
		o.fail(err)
		return
	}
	o.n.Step("orchestrator", "progress query while %s runs: stage %s, done %v", k.Saga, p.Stage, p.Done)
	if err := o.orch.Cancel(ctx, k.Saga); err != nil {
		o.fail(err)
		return
	}
	o.n.Step("customer", "cancels %s while payment is charging (signal %q)", k.Saga, SignalCancel)
}

// afterApply is the kill fault: the step has applied at the service, and
// the worker that asked for it dies before it hears the answer.
func (o *orchestration) afterApply(r Result) {
	if o.cfg.Temporal != DevServer || r.Key != o.plan.KillWorker {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.killed || o.worker == nil {
		return
	}
	o.killed = true
	o.n.Fault("worker", "SIGKILL the worker process: %s's %s has applied at %s, the worker dies before it hears back",
		r.Key.Saga, r.Key.Step, r.Key.Step.Service())
	pid := o.worker.PID()
	o.worker.Kill()
	o.n.Measure("worker", "pid %d killed", pid)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w, err := StartWorkerProcess(ctx, o.wcfg)
	if err != nil {
		o.worker = nil
		o.abortLocked(fmt.Errorf("restart worker: %w", err))
		return
	}
	o.worker = w
	o.n.Step("worker", "a new worker process starts; Temporal retries the %s activity when its %s start-to-close timeout expires",
		r.Key.Step, forwardOptions.StartToCloseTimeout)
	o.n.Measure("worker", "new worker pid %d", w.PID())
}

func (o *orchestration) fail(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.abortLocked(err)
}

func (o *orchestration) abortLocked(err error) {
	if o.abort != nil {
		o.abort(err)
	}
}
