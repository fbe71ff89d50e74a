package orchestration

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/patternlab/patternlab/patterns/saga/shop"
	"github.com/patternlab/patternlab/patterns/saga/temporalsaga"
)

// Orchestrator runs OrderSaga workflows: on a Temporal server, or in the
// SDK's in-memory test environment.
type Orchestrator interface {
	// Run starts the saga of o and waits for its outcome.
	Run(ctx context.Context, o shop.Order) (shop.Outcome, error)
	// Progress asks a running saga where it is (a Temporal query).
	Progress(ctx context.Context, saga string) (temporalsaga.Progress, error)
	// Cancel asks a running saga to stop and compensate (a Temporal signal).
	Cancel(ctx context.Context, saga string) error
}

func outcome(o temporalsaga.Outcome) shop.Outcome {
	return shop.Outcome{Saga: o.Saga, Status: shop.Status(o.Status), Reason: o.Reason}
}

// TemporalOrchestrator runs the workflows on a Temporal server; a worker
// (here or in another process) must poll TaskQueue.
type TemporalOrchestrator struct {
	Client    client.Client
	TaskQueue string
	// IDPrefix makes workflow IDs unique per run: "<IDPrefix>-order-3".
	IDPrefix string
	// Unsafe turns safeguards off in every saga it runs (demo switches).
	Unsafe temporalsaga.Unsafe

	mu      sync.Mutex
	started []*commonpb.WorkflowExecution
}

// WorkflowID is the ID of the workflow running the saga.
func (t *TemporalOrchestrator) WorkflowID(saga string) string { return t.IDPrefix + "-" + saga }

// Run implements Orchestrator. When ctx ends first (Ctrl-C), the workflow
// is terminated, so nothing of this run keeps going on a shared server.
func (t *TemporalOrchestrator) Run(ctx context.Context, o shop.Order) (shop.Outcome, error) {
	run, err := t.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        t.WorkflowID(o.ID),
		TaskQueue: t.TaskQueue,
	}, OrderSaga, Input{Order: o, Unsafe: t.Unsafe})
	if err != nil {
		return shop.Outcome{}, fmt.Errorf("start %s: %w", o.ID, err)
	}
	t.mu.Lock()
	t.started = append(t.started, &commonpb.WorkflowExecution{WorkflowId: run.GetID(), RunId: run.GetRunID()})
	t.mu.Unlock()
	var out temporalsaga.Outcome
	if err := run.Get(ctx, &out); err != nil {
		if ctx.Err() != nil {
			stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = t.Client.TerminateWorkflow(stop, run.GetID(), run.GetRunID(), "the demo that started it stopped")
		}
		return shop.Outcome{}, fmt.Errorf("%s: %w", o.ID, err)
	}
	return outcome(out), nil
}

// Progress implements Orchestrator.
func (t *TemporalOrchestrator) Progress(ctx context.Context, saga string) (temporalsaga.Progress, error) {
	v, err := t.Client.QueryWorkflow(ctx, t.WorkflowID(saga), "", QueryProgress)
	if err != nil {
		return temporalsaga.Progress{}, fmt.Errorf("query %s: %w", saga, err)
	}
	var p temporalsaga.Progress
	return p, v.Get(&p)
}

// Cancel implements Orchestrator.
func (t *TemporalOrchestrator) Cancel(ctx context.Context, saga string) error {
	if err := t.Client.SignalWorkflow(ctx, t.WorkflowID(saga), "", SignalCancel, nil); err != nil {
		return fmt.Errorf("signal %s: %w", saga, err)
	}
	return nil
}

// InMemoryOrchestrator runs each workflow in the Temporal SDK's test
// environment (go.temporal.io/sdk/testsuite): the same workflow and
// activities, the same services over NATS, no server and no worker process.
// Retry back-offs take no time there, and there is no process to kill.
type InMemoryOrchestrator struct {
	Activities *Activities
	Unsafe     temporalsaga.Unsafe

	mu  sync.Mutex
	env map[string]*testsuite.TestWorkflowEnvironment
}

// Run implements Orchestrator. The test environment runs the workflow to
// its end; ctx is only checked before it starts.
func (m *InMemoryOrchestrator) Run(ctx context.Context, o shop.Order) (shop.Outcome, error) {
	if err := ctx.Err(); err != nil {
		return shop.Outcome{}, err
	}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	// The SDK fails a workflow task that runs over 1s as a deadlock; a busy
	// machine (tests under -race) can get there without any deadlock.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: 30 * time.Second})
	env.RegisterWorkflow(OrderSaga)
	env.RegisterActivity(m.Activities)
	m.mu.Lock()
	if m.env == nil {
		m.env = map[string]*testsuite.TestWorkflowEnvironment{}
	}
	m.env[o.ID] = env
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.env, o.ID)
		m.mu.Unlock()
	}()
	env.ExecuteWorkflow(OrderSaga, Input{Order: o, Unsafe: m.Unsafe})
	if err := env.GetWorkflowError(); err != nil {
		return shop.Outcome{}, fmt.Errorf("%s: %w", o.ID, err)
	}
	var out temporalsaga.Outcome
	if err := env.GetWorkflowResult(&out); err != nil {
		return shop.Outcome{}, fmt.Errorf("%s result: %w", o.ID, err)
	}
	return outcome(out), nil
}

func (m *InMemoryOrchestrator) running(saga string) (*testsuite.TestWorkflowEnvironment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	env, ok := m.env[saga]
	if !ok {
		return nil, errors.New(saga + " is not running")
	}
	return env, nil
}

// Progress implements Orchestrator.
func (m *InMemoryOrchestrator) Progress(_ context.Context, saga string) (temporalsaga.Progress, error) {
	env, err := m.running(saga)
	if err != nil {
		return temporalsaga.Progress{}, err
	}
	v, err := env.QueryWorkflow(QueryProgress)
	if err != nil {
		return temporalsaga.Progress{}, fmt.Errorf("query %s: %w", saga, err)
	}
	var p temporalsaga.Progress
	return p, v.Get(&p)
}

// Cancel implements Orchestrator.
func (m *InMemoryOrchestrator) Cancel(_ context.Context, saga string) error {
	env, err := m.running(saga)
	if err != nil {
		return err
	}
	env.SignalWorkflow(SignalCancel, nil)
	return nil
}

// DeleteStarted deletes, on the server, the workflows this orchestrator
// started: on a shared server a run leaves nothing of its own behind.
func (t *TemporalOrchestrator) DeleteStarted(ctx context.Context, namespace string) error {
	t.mu.Lock()
	started := append([]*commonpb.WorkflowExecution(nil), t.started...)
	t.started = nil
	t.mu.Unlock()
	var errs []error
	for _, we := range started {
		_, err := t.Client.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{
			Namespace: namespace, WorkflowExecution: we,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("delete %s: %w", we.GetWorkflowId(), err))
		}
	}
	return errors.Join(errs...)
}
