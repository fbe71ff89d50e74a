package orchestration

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/patternlab/patternlab/patterns/saga/shop"
	"github.com/patternlab/patternlab/patterns/saga/temporalsaga"
)

// Names the orchestration shares between the workflow, the worker and the
// clients.
const (
	TaskQueue     = "saga-orders"
	QueryProgress = "progress" // query: where is the saga?
	SignalCancel  = "cancel"   // signal: the customer cancels the order
)

// StepTimeout bounds one attempt of an activity: past it, Temporal counts
// the attempt as failed and retries it (a forward step up to
// shop.MaxForwardAttempts, a compensation without limit).
const StepTimeout = 2 * time.Second

// Input is what an OrderSaga workflow runs: the order, and the safeguards
// a demo switched off (the zero value keeps them all).
type Input struct {
	Order  shop.Order          `json:"order"`
	Unsafe temporalsaga.Unsafe `json:"unsafe,omitzero"`
}

// OrderSaga is the orchestrated saga of one order: reserve (undone by
// release), charge (undone by refund), then book, the pivot, settled with
// shipping when its outcome is unknown. Temporal records every step in the
// workflow's history, so a worker that dies mid-saga is replaced by another
// that replays the history and carries on.
func OrderSaga(ctx workflow.Context, in Input) (temporalsaga.Outcome, error) {
	var a *Activities
	fwd := temporalsaga.DefaultForward()
	fwd.StartToCloseTimeout = StepTimeout
	fwd.RetryPolicy.MaximumAttempts = shop.MaxForwardAttempts
	comp := temporalsaga.DefaultCompensation()
	comp.StartToCloseTimeout = StepTimeout
	return temporalsaga.Run(ctx, temporalsaga.Saga{
		ID: in.Order.ID,
		Steps: []temporalsaga.Step{
			{Action: action(shop.Reserve, a.Reserve), Undo: undo(shop.Release, a.Release)},
			{Action: action(shop.Charge, a.Charge), Undo: undo(shop.Refund, a.Refund)},
			{Action: action(shop.Book, a.Book), Settle: a.SettleBook},
		},
		Forward:       fwd,
		Compensation:  comp,
		CancelSignal:  SignalCancel,
		ProgressQuery: QueryProgress,
		Unsafe:        in.Unsafe,
	}, in.Order)
}

func action(s shop.Step, activity any) temporalsaga.Action {
	return temporalsaga.Action{Name: string(s), Activity: activity}
}

func undo(s shop.Step, activity any) *temporalsaga.Action {
	a := action(s, activity)
	return &a
}
