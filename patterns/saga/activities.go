package saga

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/micro"
	"go.temporal.io/sdk/temporal"
)

// ErrDeclinedType is the Temporal error type of a business failure: the
// activity fails without retry and the workflow compensates.
const ErrDeclinedType = "Declined"

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
func (a *Activities) Reserve(ctx context.Context, o Order) (Result, error) {
	return a.call(ctx, Reserve, o)
}

// Charge is T2: take the money.
func (a *Activities) Charge(ctx context.Context, o Order) (Result, error) {
	return a.call(ctx, Charge, o)
}

// Book is T3: book the shipment.
func (a *Activities) Book(ctx context.Context, o Order) (Result, error) {
	return a.call(ctx, Book, o)
}

// Refund is C2: give the money back.
func (a *Activities) Refund(ctx context.Context, o Order) (Result, error) {
	return a.call(ctx, Refund, o)
}

// Release is C1: put the stock back.
func (a *Activities) Release(ctx context.Context, o Order) (Result, error) {
	return a.call(ctx, Release, o)
}

// call sends the request and maps the answer: a decline becomes a
// non-retryable error, anything else that failed is retried by Temporal.
func (a *Activities) call(ctx context.Context, step Step, o Order) (Result, error) {
	data, err := json.Marshal(o)
	if err != nil {
		return Result{}, temporal.NewNonRetryableApplicationError("encode order", "BadInput", err)
	}
	m, err := a.NC.RequestWithContext(ctx, endpointSubject(a.Prefix, step), data)
	if err != nil {
		return Result{}, fmt.Errorf("%s %s: %w", step, o.ID, err)
	}
	switch m.Header.Get(micro.ErrorCodeHeader) {
	case "":
	case codeDeclined:
		return Result{}, temporal.NewNonRetryableApplicationError(m.Header.Get(micro.ErrorHeader), ErrDeclinedType, nil)
	case codeBadInput:
		return Result{}, temporal.NewNonRetryableApplicationError(m.Header.Get(micro.ErrorHeader), "BadInput", nil)
	default:
		return Result{}, fmt.Errorf("%s %s: %s", step, o.ID, m.Header.Get(micro.ErrorHeader))
	}
	var r Result
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return Result{}, fmt.Errorf("%s %s: decode answer: %w", step, o.ID, err)
	}
	return r, nil
}
