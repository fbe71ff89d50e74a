package orchestration_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/orchestration"
	"github.com/patternlab/patternlab/patterns/saga/shop"
	"github.com/patternlab/patternlab/patterns/saga/temporalsaga"
)

// calls records the activities a workflow ran, in order.
type calls struct {
	mu     sync.Mutex
	steps  []shop.Step
	count  map[shop.Step]int
	booked bool
}

func (c *calls) record(s shop.Step) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.count == nil {
		c.count = map[shop.Step]int{}
	}
	c.steps = append(c.steps, s)
	c.count[s]++
	return c.count[s]
}

// behavior says how a mocked step answers its n-th call.
type behavior func(ctx context.Context, n int, c *calls) error

func declinedErr(reason string) behavior {
	return func(context.Context, int, *calls) error { return temporalsaga.Declined(reason) }
}

func failFirst(k int) behavior {
	return func(_ context.Context, n int, _ *calls) error {
		if n <= k {
			return errors.New("service unavailable")
		}
		return nil
	}
}

func alwaysFail(context.Context, int, *calls) error { return errors.New("request timed out") }

// newEnv returns a test environment whose activities follow the behaviors
// (a step without one applies) and a record of their calls. SettleBook
// answers from whether a book attempt applied.
func newEnv(t *testing.T, steps map[shop.Step]behavior) (*testsuite.TestWorkflowEnvironment, *calls) {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	// The SDK fails a workflow task that runs over 1s as a deadlock; a
	// loaded machine (-race, two cores, other tests) gets there without
	// any deadlock: flake-hunt saw it.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	env.RegisterWorkflow(orchestration.OrderSaga)
	env.RegisterActivity(&orchestration.Activities{})
	var a *orchestration.Activities
	c := &calls{}
	mockStep := func(step shop.Step, fn any) {
		env.OnActivity(fn, mock.Anything, mock.Anything, mock.Anything).Return(func(ctx context.Context, k ledger.Key, o shop.Order) (ledger.Result, error) {
			n := c.record(step)
			if b, ok := steps[step]; ok {
				if err := b(ctx, n, c); err != nil {
					return ledger.Result{}, err
				}
			}
			if step == shop.Book {
				c.mu.Lock()
				c.booked = true
				c.mu.Unlock()
			}
			return ledger.Result{Key: k, Effect: ledger.Applied, Attempt: n}, nil
		}).Maybe() // the test checks the calls, in order
	}
	for _, s := range []struct {
		step shop.Step
		fn   any
	}{{shop.Reserve, a.Reserve}, {shop.Charge, a.Charge}, {shop.Book, a.Book}, {shop.Refund, a.Refund}, {shop.Release, a.Release}} {
		mockStep(s.step, s.fn)
	}
	env.OnActivity(a.SettleBook, mock.Anything, mock.Anything, mock.Anything).Return(func(context.Context, ledger.Key, shop.Order) (temporalsaga.Settlement, error) {
		c.record("settle")
		c.mu.Lock()
		defer c.mu.Unlock()
		return temporalsaga.Settlement{Applied: c.booked, Reason: "gave up"}, nil
	}).Maybe()
	return env, c
}

var testOrder = shop.Order{ID: "order-1", SKU: "lamp", Qty: 2, Amount: 8000}

func run(t *testing.T, env *testsuite.TestWorkflowEnvironment, unsafe temporalsaga.Unsafe) temporalsaga.Outcome {
	t.Helper()
	env.ExecuteWorkflow(orchestration.OrderSaga, orchestration.Input{Order: testOrder, Unsafe: unsafe})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var out temporalsaga.Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	return out
}

// Fault: failure | target: each step of the order saga in turn | invariant: the steps that applied are compensated, in reverse order
func TestOrderSagaCompensatesInReverseOrderForAFailureAtEveryStep(t *testing.T) {
	R, C, B, Rf, Rl, S := shop.Reserve, shop.Charge, shop.Book, shop.Refund, shop.Release, shop.Step("settle")
	lastApplies := func(_ context.Context, n int, c *calls) error {
		if n < shop.MaxForwardAttempts {
			return errors.New("shipping unavailable")
		}
		c.mu.Lock()
		c.booked = true // applied at shipping; the answer comes too late
		c.mu.Unlock()
		return errors.New("activity StartToClose timeout")
	}
	tests := []struct {
		name   string
		steps  map[shop.Step]behavior
		status temporalsaga.Status
		reason string
		calls  []shop.Step
	}{
		{"every step applies", nil, temporalsaga.Completed, "", []shop.Step{R, C, B}},
		{"reserve declined: nothing to undo", map[shop.Step]behavior{R: declinedErr("out of stock")},
			temporalsaga.Compensated, "out of stock", []shop.Step{R}},
		{"charge declined: release the stock", map[shop.Step]behavior{C: declinedErr("card declined")},
			temporalsaga.Compensated, "card declined", []shop.Step{R, C, Rl}},
		{"book declined: refund, then release", map[shop.Step]behavior{B: declinedErr("no carrier")},
			temporalsaga.Compensated, "no carrier", []shop.Step{R, C, B, Rf, Rl}},
		{"transient failures are retried, not compensated", map[shop.Step]behavior{R: failFirst(1), B: failFirst(2)},
			temporalsaga.Completed, "", []shop.Step{R, R, C, B, B, B}},
		{"a compensation that fails is retried until it succeeds", map[shop.Step]behavior{B: declinedErr("no carrier"), Rf: failFirst(3)},
			temporalsaga.Compensated, "no carrier", []shop.Step{R, C, B, Rf, Rf, Rf, Rf, Rl}},
		{"a charge that keeps failing may have applied: refund it too", map[shop.Step]behavior{C: alwaysFail},
			temporalsaga.Compensated, "charge failed: request timed out", []shop.Step{R, C, C, C, C, C, Rf, Rl}},
		// The pivot bug (issue 11): book's last allowed attempt applied
		// but answered after the timeout. The saga used to compensate
		// it like a charge, leaving the shipment booked for a refunded
		// order. Shipping settles it now: it applied, so it completes.
		{"the pivot's last attempt applied but answered too late: settled, completed", map[shop.Step]behavior{B: lastApplies},
			temporalsaga.Completed, "", []shop.Step{R, C, B, B, B, B, B, S}},
		{"the pivot never applied: settled, then compensated", map[shop.Step]behavior{B: alwaysFail},
			temporalsaga.Compensated, "book failed: request timed out; its owner settled it as not applied (gave up)", []shop.Step{R, C, B, B, B, B, B, S, Rf, Rl}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, c := newEnv(t, tt.steps)
			out := run(t, env, temporalsaga.Unsafe{})
			assert.Equal(t, tt.status, out.Status)
			assert.Contains(t, out.Reason, tt.reason)
			assert.Equal(t, tt.calls, c.steps)
		})
	}
}

// Without settling, the same late answer makes the saga compensate a booked
// shipment: the bug, kept behind a switch so the demo can show it.
func TestWithoutSettleALateBookIsCompensatedWhileBooked(t *testing.T) {
	env, c := newEnv(t, map[shop.Step]behavior{shop.Book: func(_ context.Context, n int, c *calls) error {
		if n == shop.MaxForwardAttempts {
			c.mu.Lock()
			c.booked = true
			c.mu.Unlock()
		}
		return errors.New("timeout")
	}})
	out := run(t, env, temporalsaga.Unsafe{NoSettle: true})
	assert.Equal(t, temporalsaga.Compensated, out.Status)
	assert.True(t, c.booked, "compensated, and the shipment is booked")
	assert.NotContains(t, c.steps, shop.Step("settle"))
}

// The customer cancels while payment is charging: the workflow stops
// waiting for the charge, whose outcome is now unknown, and compensates
// both steps; the progress query saw it at the charge.
func TestOrderSagaCancelSignalWhileChargingCompensatesAndProgressQueryAnswers(t *testing.T) {
	var env *testsuite.TestWorkflowEnvironment
	var during temporalsaga.Progress
	env, c := newEnv(t, map[shop.Step]behavior{shop.Charge: func(context.Context, int, *calls) error {
		v, err := env.QueryWorkflow(orchestration.QueryProgress)
		if err != nil {
			return err
		}
		if err := v.Get(&during); err != nil {
			return err
		}
		env.SignalWorkflow(orchestration.SignalCancel, nil)
		return nil
	}})
	out := run(t, env, temporalsaga.Unsafe{})
	assert.Equal(t, temporalsaga.Outcome{Saga: "order-1", Status: temporalsaga.Compensated, Reason: "cancelled by the customer while charge ran"}, out)
	assert.Equal(t, []shop.Step{shop.Reserve, shop.Charge, shop.Refund, shop.Release}, c.steps)
	assert.Equal(t, temporalsaga.Progress{Saga: "order-1", Stage: "charge", Done: []string{"reserve"}}, during)

	v, err := env.QueryWorkflow(orchestration.QueryProgress)
	require.NoError(t, err)
	var after temporalsaga.Progress
	require.NoError(t, v.Get(&after))
	assert.Equal(t, "compensated", after.Stage)
	assert.Equal(t, []string{"refund", "release"}, after.Compensated)
}

func TestOrderSagaCancelledByTemporalWhileBookingStillSettlesAndCompensates(t *testing.T) {
	var env *testsuite.TestWorkflowEnvironment
	// The workflow is cancelled while the booking is in flight, and the
	// booking does not apply: shipping settles it, then the earlier steps
	// are compensated in a disconnected context.
	env, c := newEnv(t, map[shop.Step]behavior{shop.Book: func(context.Context, int, *calls) error {
		env.CancelWorkflow()
		// Not retryable: the test environment would keep a retry of an
		// activity its cancelled workflow no longer waits for.
		return temporal.NewNonRetryableApplicationError("cancelled", "Cancelled", nil)
	}})
	out := run(t, env, temporalsaga.Unsafe{})
	assert.Equal(t, temporalsaga.Compensated, out.Status)
	assert.Contains(t, out.Reason, "workflow cancelled")
	assert.Equal(t, []shop.Step{shop.Reserve, shop.Charge, shop.Book, "settle", shop.Refund, shop.Release}, c.steps)
}
