package saga

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Names the orchestration shares between the workflow, the worker and the
// clients.
const (
	TaskQueue     = "saga-orders"
	QueryProgress = "progress" // query: where is the saga?
	SignalCancel  = "cancel"   // signal: the customer cancels the order
)

// Progress is the answer to the progress query.
type Progress struct {
	Saga        string `json:"saga"`
	Stage       string `json:"stage"`
	Done        []Step `json:"done,omitempty"`
	Compensated []Step `json:"compensated,omitempty"`
}

// Retry policies. A forward step is retried a few times, quickly, and never
// when the service declined it. A compensation is retried until it
// succeeds: giving up would leave money taken or stock held.
var (
	forwardOptions = workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        100 * time.Millisecond,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Second,
			MaximumAttempts:        MaxForwardAttempts,
			NonRetryableErrorTypes: []string{ErrDeclinedType},
		},
	}
	compensationOptions = workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    100 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    2 * time.Second,
			MaximumAttempts:    0, // unlimited
		},
	}
)

// OrderSaga is the orchestrated saga: it runs T1..T3 and keeps a stack of
// the compensations of the steps that may have applied; on a failure or a
// cancel it runs the stack, last first (Ck..C1). Temporal records every
// step in the workflow's history, so a worker that dies mid-saga is replaced
// by another that replays the history and carries on.
func OrderSaga(ctx workflow.Context, o Order) (Outcome, error) {
	progress := Progress{Saga: o.ID, Stage: "started"}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (Progress, error) { return progress, nil }); err != nil {
		return Outcome{}, fmt.Errorf("register progress query: %w", err)
	}
	cancel := workflow.GetSignalChannel(ctx, SignalCancel)
	cancelled := func() bool {
		got := false
		for cancel.ReceiveAsync(nil) {
			got = true
		}
		return got
	}

	fwd := workflow.WithActivityOptions(ctx, forwardOptions)
	var stack []Step // compensations, pushed in step order
	reason := ""
	for _, step := range Forward {
		if cancelled() {
			reason = "cancelled by the customer"
			break
		}
		progress.Stage = string(step)
		err := workflow.ExecuteActivity(fwd, activity(step), o).Get(fwd, nil)
		// A declined step did not apply. Any other failure (a timeout,
		// retries exhausted, the workflow cancelled) may hide a step that
		// did: compensate it too; the service's record makes that safe.
		if comp, ok := step.Compensation(); ok && !declined(err) {
			stack = append(stack, comp)
		}
		if err != nil {
			reason = failure(step, err)
			break
		}
		progress.Done = append(progress.Done, step)
	}
	if reason == "" {
		progress.Stage = string(Completed)
		return Outcome{Saga: o.ID, Status: Completed}, nil
	}

	progress.Stage = "compensating"
	// Compensate even if the workflow itself was cancelled.
	cctx, _ := workflow.NewDisconnectedContext(ctx)
	cctx = workflow.WithActivityOptions(cctx, compensationOptions)
	for i := len(stack) - 1; i >= 0; i-- {
		if err := workflow.ExecuteActivity(cctx, activity(stack[i]), o).Get(cctx, nil); err != nil {
			return Outcome{}, fmt.Errorf("%s: compensation %s: %w", o.ID, stack[i], err)
		}
		progress.Compensated = append(progress.Compensated, stack[i])
	}
	progress.Stage = string(Compensated)
	return Outcome{Saga: o.ID, Status: Compensated, Reason: reason}, nil
}

// activity names the activity of a step (the Activities method).
func activity(s Step) any {
	var a *Activities
	switch s {
	case Reserve:
		return a.Reserve
	case Charge:
		return a.Charge
	case Book:
		return a.Book
	case Refund:
		return a.Refund
	default:
		return a.Release
	}
}

func declined(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.Type() == ErrDeclinedType
}

// failure turns a step's error into the saga's reason.
func failure(step Step, err error) string {
	var app *temporal.ApplicationError
	switch {
	case declined(err) && errors.As(err, &app):
		return app.Message()
	case temporal.IsCanceledError(err):
		return "workflow cancelled"
	default:
		return fmt.Sprintf("%s failed: %v", step, err)
	}
}
