package saga

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nuid"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/orchestration"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// orchestrated is act 2's state: the orchestrator, the worker process, and
// the scripted faults, which fire from inside the services (hooks) at the
// exact point the schedule names.
type orchestrated struct {
	n        *narrate.Narrator
	plan     *shop.Plan
	cfg      Config
	f        *faults
	orch     orchestration.Orchestrator
	wcfg     orchestration.WorkerConfig
	services map[string]*shop.Service
	// release lets the delayed request of plan.Cancel through, once its
	// saga's workflow has ended.
	release chan struct{}

	// answered is, in JSON mode, each applied step's effect, which its
	// answer says when it leaves (lab.go).
	answered sync.Map

	mu      sync.Mutex
	worker  *orchestration.WorkerProcess
	killed  bool
	abort   context.CancelCauseFunc // of the saga in flight
	running string                  // the saga in flight (or the last one)
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
func runOrchestration(ctx context.Context, n *narrate.Narrator, target *natsembed.Target, orders []shop.Order, plan *shop.Plan, cfg Config) (shop.Report, backend, error) {
	n.Act("act 2: orchestration: a Temporal workflow drives the services and holds the compensation stack")
	o := &orchestrated{n: n, plan: plan, cfg: cfg, release: make(chan struct{})}
	hooks := ledger.Hooks{BeforeApply: o.beforeApply, AfterApply: o.afterApply}
	var replies shop.ReplyFaults = plan
	if n.JSONMode() {
		hooks.Noted = o.traceNote
		replies = answers{o: o, faults: plan}
	}
	services, err := shop.NewServices(shop.Options{
		Ledger: ledger.Options{
			Inject:              plan,
			UnsafeNoIdempotency: !cfg.Idempotency,
			Hooks:               hooks,
		},
		UnsafeNoTombstones: !cfg.Tombstones,
	})
	if err != nil {
		return shop.Report{}, backend{}, err
	}
	o.services = services
	defer o.letThrough() // a request still held must not outlive the act
	nc, err := natsembed.Connect(target.URL, "saga-services")
	if err != nil {
		return shop.Report{}, backend{}, err
	}
	defer nc.Close()
	prefix := uniquePrefix(target, orchestrationPrefix)
	endpoints, err := shop.ServeEndpoints(nc, prefix, services, replies)
	if err != nil {
		return shop.Report{}, backend{}, err
	}
	defer endpoints.Stop()
	n.Step("lab", "inventory, payment and shipping answer requests on NATS; the activities call them")

	be, err := o.startBackend(ctx, target.URL, prefix)
	if err != nil {
		return shop.Report{}, backend{}, err
	}
	ok := false
	defer func() {
		if !ok {
			be.stop()
		}
	}()
	o.f = planFaults(n, plan, shop.Orchestration, cfg.Temporal == DevServer)

	board := shop.NewBoard()
	start := time.Now()
	withdraw := o.offerKill()
	defer withdraw()
	for _, order := range orders {
		began := time.Now()
		out, err := o.runOne(ctx, order)
		if err != nil {
			return shop.Report{}, backend{}, err
		}
		took := time.Since(began)
		tellStory(n, o.f, order.ID, services)
		tellOutcome(n, "orchestrator", out)
		n.Measure("orchestrator", "%s took %s", order.ID, took.Round(time.Millisecond))
		board.Record(out)
		sampleBoard(n, board.Outcomes())
	}
	withdraw()
	n.Measure("orchestrator", "%d sagas in %s, one after another", len(orders), time.Since(start).Round(time.Millisecond))

	snaps := map[string]ledger.Snapshot{}
	for name, s := range services {
		snaps[name] = s.Ledger.Snapshot()
	}
	r := shop.Verify(orders, board.Outcomes(), snaps)
	tellChecks(n, shop.Orchestration, r)
	ok = true
	return r, be, nil
}

// startBackend starts the Temporal side and returns how to stop it.
func (o *orchestrated) startBackend(ctx context.Context, url, prefix string) (backend, error) {
	if o.cfg.Temporal == InMemory {
		nc, err := natsembed.Connect(url, "saga-worker")
		if err != nil {
			return backend{}, err
		}
		o.orch = &orchestration.InMemoryOrchestrator{Activities: &orchestration.Activities{NC: nc, Prefix: prefix}, Unsafe: o.cfg.unsafe()}
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
	queue, ids := orchestration.TaskQueue, "saga"
	if tg.Embedded == nil {
		// A shared server: keep this run's workflows and tasks apart.
		run := strings.ToLower(nuid.Next()[16:])
		queue, ids = orchestration.TaskQueue+"-"+run, "saga-"+run
	}
	orch := &orchestration.TemporalOrchestrator{Client: c, TaskQueue: queue, IDPrefix: ids, Unsafe: o.cfg.unsafe()}
	o.orch = orch
	o.wcfg = orchestration.WorkerConfig{TemporalAddress: tg.Address, Namespace: tg.Namespace, NATSURL: url, Prefix: prefix, TaskQueue: queue}
	w, err := orchestration.StartWorkerProcess(ctx, o.wcfg)
	if err != nil {
		c.Close()
		tg.Close()
		return backend{}, err
	}
	o.worker = w
	o.n.Step("worker", "worker started in its own OS process (this binary, re-executed), polling its task queue")
	o.n.Measure("worker", "worker pid %d on task queue %s", w.PID(), queue)
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
		if tg.Embedded == nil {
			cleanup, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_ = orch.DeleteStarted(cleanup, tg.Namespace)
			cancel()
		}
		c.Close()
		tg.Close()
	}}, nil
}

func (o *orchestrated) runOne(ctx context.Context, order shop.Order) (shop.Outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, sagaBudget())
	defer cancel()
	ctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	o.mu.Lock()
	o.abort, o.running = abort, order.ID
	o.mu.Unlock()
	o.n.Step("orchestrator", "%s workflow started: %s", order.ID, order.What())
	out, err := o.orch.Run(ctx, order)
	if cause := context.Cause(ctx); err != nil && cause != nil {
		return shop.Outcome{}, fmt.Errorf("%w (%w)", err, cause)
	}
	if err != nil {
		return shop.Outcome{}, err
	}
	if order.ID == o.plan.Cancel.Saga {
		// The workflow has ended: the delayed request now arrives.
		o.letThrough()
		if err := o.waitSettled(ctx, o.plan.Cancel); err != nil {
			return shop.Outcome{}, err
		}
	}
	return out, nil
}

// letThrough releases the delayed request (once).
func (o *orchestrated) letThrough() {
	o.mu.Lock()
	defer o.mu.Unlock()
	select {
	case <-o.release:
	default:
		close(o.release)
	}
}

// waitSettled waits until the service owning k has settled it.
func (o *orchestrated) waitSettled(ctx context.Context, k ledger.Key) error {
	svc := o.services[shop.Step(k.Step).Service()]
	return poll.Until(ctx, 2*time.Millisecond, func() (bool, error) {
		e, ok := svc.Ledger.Snapshot().Entry(k)
		return ok && e.Effect != "", nil
	})
}

// beforeApply is the cancel fault: the charge request of plan.Cancel is
// delayed in the network, and the customer cancels while it is on its way.
// The workflow stops waiting for it and compensates; the request arrives
// once the workflow has ended.
func (o *orchestrated) beforeApply(k ledger.Key, attempt int) {
	if k != o.plan.Cancel || attempt != 1 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), sagaBudget())
	defer cancel()
	p, err := o.orch.Progress(ctx, k.Saga)
	if err != nil {
		o.fail(err)
		return
	}
	o.n.Step("orchestrator", "progress query while %s runs: stage %s, done %v", k.Saga, p.Stage, p.Done)
	o.services[shop.Step(k.Step).Service()].Ledger.Journal(k, NoteDelayed, attempt, "held in the network")
	if err := o.orch.Cancel(ctx, k.Saga); err != nil {
		o.fail(err)
		return
	}
	o.n.Step("customer", "cancels %s while its %s request is still on its way to %s (signal %q)", k.Saga, k.Step, shop.Step(k.Step).Service(), orchestration.SignalCancel)
	select {
	case <-o.release:
	case <-ctx.Done():
	}
}

// afterApply is the kill fault: the step has applied at the service, and
// the worker that asked for it dies before it hears the answer.
func (o *orchestrated) afterApply(r ledger.Result) {
	if o.cfg.Temporal != DevServer || r.Key != o.plan.KillWorker {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.killed || o.worker == nil {
		return
	}
	o.killed = true
	o.f.fire(r.Key, shop.FaultKill, "worker", "SIGKILL the worker process: %s's %s has applied at %s, the worker dies before it hears back",
		r.Key.Saga, r.Key.Step, shop.Step(r.Key.Step).Service())
	if o.replaceWorkerLocked() != nil {
		return
	}
	o.n.Step("worker", "a new worker process starts; Temporal retries the %s activity when its %s start-to-close timeout expires",
		r.Key.Step, orchestration.StepTimeout)
	o.n.Measure("worker", "new worker pid %d", o.worker.PID())
}

// replaceWorkerLocked SIGKILLs the worker process and starts a new one, for
// the scheduled kill and the requested one alike; a worker that cannot
// start aborts the saga in flight. Called with o.mu held.
func (o *orchestrated) replaceWorkerLocked() error {
	pid := o.worker.PID()
	o.worker.Kill()
	o.n.Measure("worker", "pid %d killed", pid)
	ctx, cancel := context.WithTimeout(context.Background(), workerStartTimeout)
	defer cancel()
	w, err := orchestration.StartWorkerProcess(ctx, o.wcfg)
	if err != nil {
		o.worker = nil
		err = fmt.Errorf("restart worker: %w", err)
		o.abortLocked(err)
		return err
	}
	o.worker = w
	return nil
}

func (o *orchestrated) fail(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.abortLocked(err)
}

func (o *orchestrated) abortLocked(err error) {
	if o.abort != nil {
		o.abort(err)
	}
}
