package saga_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/patternlab/patternlab/patterns/saga"
)

// calls records the activities a workflow ran, in order.
type calls struct {
	mu    sync.Mutex
	steps []saga.Step
	count map[saga.Step]int
}

func (c *calls) record(s saga.Step) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.count == nil {
		c.count = map[saga.Step]int{}
	}
	c.steps = append(c.steps, s)
	c.count[s]++
	return c.count[s]
}

// behavior says how a mocked step answers its n-th call.
type behavior func(ctx context.Context, n int) error

func declinedErr(reason string) behavior {
	return func(context.Context, int) error {
		return temporal.NewNonRetryableApplicationError(reason, saga.ErrDeclinedType, nil)
	}
}

func failFirst(k int) behavior {
	return func(_ context.Context, n int) error {
		if n <= k {
			return errors.New("service unavailable")
		}
		return nil
	}
}

func alwaysFail(context.Context, int) error { return errors.New("request timed out") }

// newEnv returns a test environment whose activities follow the behaviors
// (a step without one applies) and a record of their calls.
func newEnv(t *testing.T, steps map[saga.Step]behavior) (*testsuite.TestWorkflowEnvironment, *calls) {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(saga.OrderSaga)
	env.RegisterActivity(&saga.Activities{})
	var a *saga.Activities
	c := &calls{}
	mockStep := func(step saga.Step, fn any) {
		env.OnActivity(fn, mock.Anything, mock.Anything).Return(func(ctx context.Context, o saga.Order) (saga.Result, error) {
			n := c.record(step)
			if b, ok := steps[step]; ok {
				if err := b(ctx, n); err != nil {
					return saga.Result{}, err
				}
			}
			return saga.Result{Key: saga.Key{Saga: o.ID, Step: step}, Effect: saga.Applied, Attempt: n}, nil
		}).Maybe() // the test checks the calls, in order

	}
	mockStep(saga.Reserve, a.Reserve)
	mockStep(saga.Charge, a.Charge)
	mockStep(saga.Book, a.Book)
	mockStep(saga.Refund, a.Refund)
	mockStep(saga.Release, a.Release)
	return env, c
}

var testOrder = saga.Order{ID: "order-1", SKU: "lamp", Qty: 2, Amount: 8000}

func TestWorkflowCompensatesInReverseOrderForAFailureAtEveryStep(t *testing.T) {
	R, C, B, Rf, Rl := saga.Reserve, saga.Charge, saga.Book, saga.Refund, saga.Release
	tests := []struct {
		name   string
		steps  map[saga.Step]behavior
		status saga.Status
		reason string
		calls  []saga.Step
	}{
		{"every step applies", nil, saga.Completed, "", []saga.Step{R, C, B}},
		{"reserve declined: nothing to undo", map[saga.Step]behavior{R: declinedErr("out of stock")},
			saga.Compensated, "out of stock", []saga.Step{R}},
		{"charge declined: release the stock", map[saga.Step]behavior{C: declinedErr("card declined")},
			saga.Compensated, "card declined", []saga.Step{R, C, Rl}},
		{"book declined: refund, then release", map[saga.Step]behavior{B: declinedErr("no carrier")},
			saga.Compensated, "no carrier", []saga.Step{R, C, B, Rf, Rl}},
		{"transient failures are retried, not compensated", map[saga.Step]behavior{R: failFirst(1), B: failFirst(2)},
			saga.Completed, "", []saga.Step{R, R, C, B, B, B}},
		{"a compensation that fails is retried until it succeeds", map[saga.Step]behavior{B: declinedErr("no carrier"), Rf: failFirst(3)},
			saga.Compensated, "no carrier", []saga.Step{R, C, B, Rf, Rf, Rf, Rf, Rl}},
		{"a charge that keeps failing may have applied: refund it too", map[saga.Step]behavior{C: alwaysFail},
			saga.Compensated, "charge failed: activity error", []saga.Step{R, C, C, C, C, C, Rf, Rl}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, c := newEnv(t, tt.steps)
			env.ExecuteWorkflow(saga.OrderSaga, testOrder)
			require.True(t, env.IsWorkflowCompleted())
			require.NoError(t, env.GetWorkflowError())
			var out saga.Outcome
			require.NoError(t, env.GetWorkflowResult(&out))
			assert.Equal(t, tt.status, out.Status)
			assert.Contains(t, out.Reason, tt.reason)
			assert.Equal(t, tt.calls, c.steps)
		})
	}
}

func TestWorkflowCancelSignalCompensatesAndProgressQueryAnswers(t *testing.T) {
	var env *testsuite.TestWorkflowEnvironment
	var during saga.Progress
	// The customer cancels while payment is charging; the charge applies,
	// then the workflow sees the signal and compensates.
	env, c := newEnv(t, map[saga.Step]behavior{saga.Charge: func(context.Context, int) error {
		v, err := env.QueryWorkflow(saga.QueryProgress)
		if err != nil {
			return err
		}
		if err := v.Get(&during); err != nil {
			return err
		}
		env.SignalWorkflow(saga.SignalCancel, nil)
		return nil
	}})
	env.ExecuteWorkflow(saga.OrderSaga, testOrder)
	require.NoError(t, env.GetWorkflowError())
	var out saga.Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	assert.Equal(t, saga.Outcome{Saga: "order-1", Status: saga.Compensated, Reason: "cancelled by the customer"}, out)
	assert.Equal(t, []saga.Step{saga.Reserve, saga.Charge, saga.Refund, saga.Release}, c.steps)
	assert.Equal(t, saga.Progress{Saga: "order-1", Stage: "charge", Done: []saga.Step{saga.Reserve}}, during)

	v, err := env.QueryWorkflow(saga.QueryProgress)
	require.NoError(t, err)
	var after saga.Progress
	require.NoError(t, v.Get(&after))
	assert.Equal(t, "compensated", after.Stage)
	assert.Equal(t, []saga.Step{saga.Refund, saga.Release}, after.Compensated)
}

func TestWorkflowCancelledByTemporalStillCompensates(t *testing.T) {
	var env *testsuite.TestWorkflowEnvironment
	// The workflow is cancelled while the booking is in flight: its
	// result is never seen, so the booking counts as maybe-applied.
	env, c := newEnv(t, map[saga.Step]behavior{saga.Book: func(context.Context, int) error {
		env.CancelWorkflow()
		return nil
	}})
	env.ExecuteWorkflow(saga.OrderSaga, testOrder)
	require.NoError(t, env.GetWorkflowError())
	var out saga.Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	assert.Equal(t, saga.Compensated, out.Status)
	assert.Equal(t, "workflow cancelled", out.Reason)
	assert.Equal(t, []saga.Step{saga.Reserve, saga.Charge, saga.Book, saga.Refund, saga.Release}, c.steps)
}
