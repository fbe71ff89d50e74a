package saga

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
)

// Orchestrator runs OrderSaga workflows: on a Temporal server, or in the
// SDK's in-memory test environment.
type Orchestrator interface {
	// Run starts the saga of o and waits for its outcome.
	Run(ctx context.Context, o Order) (Outcome, error)
	// Progress asks a running saga where it is (a Temporal query).
	Progress(ctx context.Context, saga string) (Progress, error)
	// Cancel asks a running saga to stop and compensate (a Temporal signal).
	Cancel(ctx context.Context, saga string) error
}

// TemporalOrchestrator runs the workflows on a Temporal server; a worker
// (here or in another process) must poll TaskQueue.
type TemporalOrchestrator struct {
	Client    client.Client
	TaskQueue string
	// IDPrefix makes workflow IDs unique per run: "<IDPrefix>-order-3".
	IDPrefix string
}

// WorkflowID is the ID of the workflow running the saga.
func (t *TemporalOrchestrator) WorkflowID(saga string) string { return t.IDPrefix + "-" + saga }

// Run implements Orchestrator.
func (t *TemporalOrchestrator) Run(ctx context.Context, o Order) (Outcome, error) {
	run, err := t.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        t.WorkflowID(o.ID),
		TaskQueue: t.TaskQueue,
	}, OrderSaga, o)
	if err != nil {
		return Outcome{}, fmt.Errorf("start %s: %w", o.ID, err)
	}
	var out Outcome
	if err := run.Get(ctx, &out); err != nil {
		return Outcome{}, fmt.Errorf("%s: %w", o.ID, err)
	}
	return out, nil
}

// Progress implements Orchestrator.
func (t *TemporalOrchestrator) Progress(ctx context.Context, saga string) (Progress, error) {
	v, err := t.Client.QueryWorkflow(ctx, t.WorkflowID(saga), "", QueryProgress)
	if err != nil {
		return Progress{}, fmt.Errorf("query %s: %w", saga, err)
	}
	var p Progress
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

	mu  sync.Mutex
	env map[string]*testsuite.TestWorkflowEnvironment
}

// Run implements Orchestrator. The test environment runs the workflow to
// its end; ctx is only checked before it starts.
func (m *InMemoryOrchestrator) Run(ctx context.Context, o Order) (Outcome, error) {
	if err := ctx.Err(); err != nil {
		return Outcome{}, err
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
	env.ExecuteWorkflow(OrderSaga, o)
	if err := env.GetWorkflowError(); err != nil {
		return Outcome{}, fmt.Errorf("%s: %w", o.ID, err)
	}
	var out Outcome
	if err := env.GetWorkflowResult(&out); err != nil {
		return Outcome{}, fmt.Errorf("%s result: %w", o.ID, err)
	}
	return out, nil
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
func (m *InMemoryOrchestrator) Progress(_ context.Context, saga string) (Progress, error) {
	env, err := m.running(saga)
	if err != nil {
		return Progress{}, err
	}
	v, err := env.QueryWorkflow(QueryProgress)
	if err != nil {
		return Progress{}, fmt.Errorf("query %s: %w", saga, err)
	}
	var p Progress
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
