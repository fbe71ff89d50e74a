package orchestration

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"go.temporal.io/sdk/temporal"

	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
	"github.com/patternlab/patternlab/patterns/saga/temporalsaga"
)

// Activities are the saga's steps as Temporal activities. Each one is a
// request to the service that owns the step; the service applies it
// idempotently, keyed by (saga, step), so a retried activity, even one whose
// first attempt applied and whose worker died before reporting it, changes
// nothing the second time.
type Activities struct {
	NC     *nats.Conn
	Prefix string
}

// Reserve is T1: reserve the stock.
func (a *Activities) Reserve(ctx context.Context, k ledger.Key, o shop.Order) (ledger.Result, error) {
	return a.call(ctx, shop.Reserve, k, o)
}

// Charge is T2: take the money.
func (a *Activities) Charge(ctx context.Context, k ledger.Key, o shop.Order) (ledger.Result, error) {
	return a.call(ctx, shop.Charge, k, o)
}

// Book is T3, the pivot: book the shipment.
func (a *Activities) Book(ctx context.Context, k ledger.Key, o shop.Order) (ledger.Result, error) {
	return a.call(ctx, shop.Book, k, o)
}

// Refund is C2: give the money back.
func (a *Activities) Refund(ctx context.Context, k ledger.Key, o shop.Order) (ledger.Result, error) {
	return a.call(ctx, shop.Refund, k, o)
}

// Release is C1: put the stock back.
func (a *Activities) Release(ctx context.Context, k ledger.Key, o shop.Order) (ledger.Result, error) {
	return a.call(ctx, shop.Release, k, o)
}

// SettleBook asks shipping for its record of the booking, when the
// workflow no longer knows whether it applied: "applied", or a tombstone
// that refuses any attempt still on its way.
func (a *Activities) SettleBook(ctx context.Context, k ledger.Key, o shop.Order) (temporalsaga.Settlement, error) {
	if k != shop.Book.Key(o.ID) {
		return temporalsaga.Settlement{}, badInput(fmt.Errorf("settle %s for order %s", k, o.ID))
	}
	e, err := shop.CallSettle(ctx, a.NC, a.Prefix, shop.Book, o.ID, "the orchestrator's last attempt went unanswered")
	if err != nil {
		return temporalsaga.Settlement{}, mapError(err)
	}
	return temporalsaga.Settlement{Applied: e.Effect == ledger.Applied, Reason: e.Reason}, nil
}

// call sends the request and maps the answer: a decline becomes a
// non-retryable error, anything else that failed is retried by Temporal.
func (a *Activities) call(ctx context.Context, step shop.Step, k ledger.Key, o shop.Order) (ledger.Result, error) {
	if k != step.Key(o.ID) {
		return ledger.Result{}, badInput(fmt.Errorf("key %s for step %s of order %s", k, step, o.ID))
	}
	r, err := shop.Call(ctx, a.NC, a.Prefix, step, o)
	if err != nil {
		return ledger.Result{}, mapError(err)
	}
	return r, nil
}

func mapError(err error) error {
	var declined *ledger.DeclinedError
	switch {
	case errors.As(err, &declined):
		return temporalsaga.Declined(declined.Reason)
	case errors.Is(err, shop.ErrBadInput):
		return badInput(err)
	}
	return err
}

func badInput(err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), "BadInput", err)
}
