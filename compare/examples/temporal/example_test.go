package temporal_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// Payments holds an activity: ordinary Go that may fail. The server retries it
// under the policy the workflow gives; this one fails twice first.
type Payments struct{ calls int }

func (p *Payments) Charge(_ context.Context, order string) (string, error) {
	p.calls++
	if p.calls < 3 {
		return "", errors.New("payment service unavailable")
	}
	return "receipt-" + order, nil
}

// Order is a workflow: deterministic code whose every step the server records
// in the workflow's event history, so any worker can replay it after a crash.
func Order(ctx workflow.Context, order string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5},
	})
	var p *Payments // names the activity; the worker's registered instance runs it
	var receipt string
	err := workflow.ExecuteActivity(ctx, p.Charge, order).Get(ctx, &receipt)
	return receipt, err
}

// The SDK's test environment runs the workflow without a server and skips
// the retry back-off in virtual time; patterns/workflow and patterns/saga run
// the same kind of code on a real Temporal server.
func Example() {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler))) // the SDK logs each retry
	env := suite.NewTestWorkflowEnvironment()
	payments := &Payments{}
	env.RegisterActivity(payments)
	env.RegisterWorkflow(Order)

	env.ExecuteWorkflow(Order, "order-7")
	var receipt string
	if err := env.GetWorkflowResult(&receipt); err != nil {
		fmt.Println("workflow failed:", err)
		return
	}
	fmt.Println("workflow completed:", receipt)
	fmt.Println("activity attempts:", payments.calls)
	// Output:
	// workflow completed: receipt-order-7
	// activity attempts: 3
}
