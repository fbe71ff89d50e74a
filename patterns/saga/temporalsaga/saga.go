package temporalsaga

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/patternlab/patternlab/patterns/saga/ledger"
)

// Action is one activity of a saga: a forward step or its compensation.
type Action struct {
	// Name is the step's part of its idempotency key: "debit".
	Name string
	// Activity is the activity function, func(ctx context.Context, k
	// ledger.Key, in In) (R, error), or the name it is registered under.
	Activity any
}

// Step is one local transaction of a saga.
type Step struct {
	Action
	// Undo compensates the step. Every step but the last needs one; the
	// last may have none, which makes it the pivot.
	Undo *Action
	// Settle is required for a step without Undo: the activity,
	// func(ctx context.Context, k ledger.Key, in In) (Settlement, error),
	// that asks the step's owner whether it applied when its outcome is
	// unknown, and makes sure it never will if it had not (a tombstone).
	Settle any
}

// Settlement is the owner's definite answer about a step: it applied, or it
// never will.
type Settlement struct {
	Applied bool   `json:"applied"`
	Reason  string `json:"reason,omitempty"`
}

// Saga is a saga's definition and identity.
type Saga struct {
	// ID is the saga's identity and the first half of every key.
	ID    string
	Steps []Step
	// Forward are the options of the forward steps (zero: DefaultForward);
	// a decline (DeclinedType) is never retried.
	Forward workflow.ActivityOptions
	// Compensation are the options of the compensations and of Settle
	// (zero: DefaultCompensation, unlimited attempts).
	Compensation workflow.ActivityOptions
	// CancelSignal, when set, names the signal that cancels the saga: it
	// is seen between steps and while a step runs.
	CancelSignal string
	// ProgressQuery, when set, names the query that answers Progress.
	ProgressQuery string
	// Unsafe turns safeguards off, to show what each one is for.
	Unsafe Unsafe
}

// Unsafe turns off the safeguards Run keeps by default. Demos use it to
// watch the invariant break; its zero value is the safe saga.
type Unsafe struct {
	// NoCompensation stops at the failure and undoes nothing.
	NoCompensation bool `json:"noCompensation,omitempty"`
	// NoSettle treats a pivot whose outcome is unknown as failed and
	// compensates the steps before it, although it may have applied.
	NoSettle bool `json:"noSettle,omitempty"`
	// CompensationAttempts > 0 gives up a compensation after that many
	// attempts, instead of retrying it until it succeeds.
	CompensationAttempts int32 `json:"compensationAttempts,omitempty"`
}

// DeclinedType is the error type of a business failure: the step did not
// apply, is not retried, and the saga compensates.
const DeclinedType = "Declined"

// Declined is the error an activity returns for a business failure.
func Declined(reason string) error {
	return temporal.NewNonRetryableApplicationError(reason, DeclinedType, nil)
}

// IsDeclined reports whether err is (or wraps) a decline.
func IsDeclined(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.Type() == DeclinedType
}

// DefaultForward are the options of a forward step: a 2 s attempt, retried
// quickly up to five attempts in all, never when declined.
func DefaultForward() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        100 * time.Millisecond,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Second,
			MaximumAttempts:        5,
			NonRetryableErrorTypes: []string{DeclinedType},
		},
	}
}

// DefaultCompensation are the options of a compensation: retried until it
// succeeds, since giving up would leave money taken or stock held.
func DefaultCompensation() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    100 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    2 * time.Second,
			MaximumAttempts:    0, // unlimited
		},
	}
}

// Status is where a saga ended.
type Status string

// The ends of a saga.
const (
	Completed   Status = "completed"   // every step applied
	Compensated Status = "compensated" // every step that applied was undone
	Failed      Status = "failed"      // stopped with steps not undone: only with Unsafe
)

// Outcome is how a saga ended and why.
type Outcome struct {
	Saga   string `json:"saga"`
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// Progress is the answer to the progress query.
type Progress struct {
	Saga        string   `json:"saga"`
	Stage       string   `json:"stage"`
	Done        []string `json:"done,omitempty"`
	Compensated []string `json:"compensated,omitempty"`
}

// ErrBadSaga is the error type of a definition Run refuses.
const ErrBadSaga = "BadSaga"

// Check reports what is wrong with a definition: no steps, a step or a
// compensation without a name or an activity, a name used twice, a step
// without Undo that is not the last, or a pivot without Settle.
func (s Saga) Check() error {
	if s.ID == "" || len(s.Steps) == 0 {
		return errors.New("a saga needs an ID and at least one step")
	}
	names := map[string]bool{}
	name := func(a Action) error {
		if a.Name == "" || a.Activity == nil {
			return fmt.Errorf("every step and compensation needs a name and an activity (got %q)", a.Name)
		}
		if names[a.Name] {
			return fmt.Errorf("step name %q is used twice: keys would collide", a.Name)
		}
		names[a.Name] = true
		return nil
	}
	for i, st := range s.Steps {
		if err := name(st.Action); err != nil {
			return err
		}
		switch {
		case st.Undo != nil:
			if err := name(*st.Undo); err != nil {
				return err
			}
		case i != len(s.Steps)-1:
			return fmt.Errorf("step %q has no compensation: only the last step (the pivot) may have none", st.Name)
		case st.Settle == nil:
			return fmt.Errorf("the pivot %q needs Settle: without it an unknown outcome cannot be decided", st.Name)
		}
	}
	return nil
}

// Run runs saga s on input in and returns how it ended. Call it from a
// workflow function; every activity receives (ledger.Key, in).
func Run(ctx workflow.Context, s Saga, in any) (Outcome, error) {
	if err := s.Check(); err != nil {
		return Outcome{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrBadSaga, nil)
	}
	r := &run{s: s, in: in, progress: Progress{Saga: s.ID, Stage: "started"}}
	if s.ProgressQuery != "" {
		if err := workflow.SetQueryHandler(ctx, s.ProgressQuery, func() (Progress, error) { return r.progress, nil }); err != nil {
			return Outcome{}, fmt.Errorf("register progress query: %w", err)
		}
	}
	if s.CancelSignal != "" {
		r.cancel = workflow.GetSignalChannel(ctx, s.CancelSignal)
	}
	// Compensations and settling run even if the workflow is cancelled.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	r.cctx = workflow.WithActivityOptions(dctx, r.compensationOptions())
	return r.forward(ctx)
}

type run struct {
	s        Saga
	in       any
	progress Progress
	cancel   workflow.ReceiveChannel
	cctx     workflow.Context
	stack    []Action // compensations, pushed in step order
}

func (r *run) key(name string) ledger.Key { return ledger.Key{Saga: r.s.ID, Step: name} }

func (r *run) forwardOptions() workflow.ActivityOptions {
	o := r.s.Forward
	if o.StartToCloseTimeout == 0 && o.ScheduleToCloseTimeout == 0 {
		o = DefaultForward()
	}
	if o.RetryPolicy == nil {
		o.RetryPolicy = DefaultForward().RetryPolicy
	}
	p := *o.RetryPolicy
	p.NonRetryableErrorTypes = append(append([]string(nil), p.NonRetryableErrorTypes...), DeclinedType)
	o.RetryPolicy = &p
	return o
}

func (r *run) compensationOptions() workflow.ActivityOptions {
	o := r.s.Compensation
	if o.StartToCloseTimeout == 0 && o.ScheduleToCloseTimeout == 0 {
		o = DefaultCompensation()
	}
	if o.RetryPolicy == nil {
		o.RetryPolicy = DefaultCompensation().RetryPolicy
	}
	p := *o.RetryPolicy
	if r.s.Unsafe.CompensationAttempts > 0 {
		p.MaximumAttempts = r.s.Unsafe.CompensationAttempts
	}
	o.RetryPolicy = &p
	return o
}

// forward runs the steps; on the first failure it compensates.
func (r *run) forward(ctx workflow.Context) (Outcome, error) {
	fctx := workflow.WithActivityOptions(ctx, r.forwardOptions())
	reason := ""
	for _, st := range r.s.Steps {
		if r.cancelled() {
			reason = "cancelled by the customer"
			break
		}
		r.progress.Stage = st.Name
		err, cancelled := r.attempt(ctx, fctx, st)
		switch {
		case err == nil && !cancelled:
			if st.Undo != nil {
				r.stack = append(r.stack, *st.Undo)
			}
			r.progress.Done = append(r.progress.Done, st.Name)
			continue
		case IsDeclined(err):
			// A declined step did not apply: nothing of it to undo.
			reason = message(err)
		case st.Undo != nil:
			// Any other failure (a timeout, retries exhausted, a cancel
			// while it ran) may hide a step that did apply: compensate
			// it too; the owner's record makes that safe.
			r.stack = append(r.stack, *st.Undo)
			reason = failure(st.Name, err, cancelled)
		default:
			// The pivot has no compensation: its outcome must be known.
			applied, why, err := r.settle(st, failure(st.Name, err, cancelled))
			if err != nil {
				return Outcome{}, err
			}
			if applied {
				r.progress.Done = append(r.progress.Done, st.Name)
				continue
			}
			reason = why
		}
		break
	}
	if reason == "" {
		r.progress.Stage = string(Completed)
		return Outcome{Saga: r.s.ID, Status: Completed}, nil
	}
	return r.compensate(reason), nil
}

// attempt runs one step (with its retries) and reports its error, or that
// the customer cancelled while it ran: then its outcome is unknown and the
// saga stops waiting for it. The abandoned attempt is left to end on its
// own (answered, or timed out): if it reaches its owner after the step was
// compensated, the owner's tombstone refuses it.
func (r *run) attempt(ctx, fctx workflow.Context, st Step) (err error, cancelled bool) {
	f := workflow.ExecuteActivity(fctx, st.Activity, r.key(st.Name), r.in)
	if r.cancel == nil {
		return f.Get(ctx, nil), false
	}
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(f, func(f workflow.Future) { err = f.Get(ctx, nil) })
	sel.AddReceive(r.cancel, func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		cancelled = true
	})
	sel.Select(ctx)
	return err, cancelled
}

func (r *run) cancelled() bool {
	if r.cancel == nil {
		return false
	}
	got := false
	for r.cancel.ReceiveAsync(nil) {
		got = true
	}
	return got
}

// settle asks the pivot's owner for a definite answer. With Unsafe.NoSettle
// it does not ask, and the pivot counts as failed: the bug this prevents.
func (r *run) settle(st Step, why string) (applied bool, reason string, err error) {
	if r.s.Unsafe.NoSettle {
		return false, why, nil
	}
	r.progress.Stage = "settling " + st.Name
	var got Settlement
	if err := workflow.ExecuteActivity(r.cctx, st.Settle, r.key(st.Name), r.in).Get(r.cctx, &got); err != nil {
		return false, "", fmt.Errorf("%s: settle %s: %w", r.s.ID, st.Name, err)
	}
	if got.Applied {
		return true, "", nil
	}
	return false, fmt.Sprintf("%s; its owner settled it as not applied (%s)", why, got.Reason), nil
}

// compensate runs the stack, last first.
func (r *run) compensate(reason string) Outcome {
	if r.s.Unsafe.NoCompensation && len(r.stack) > 0 {
		r.progress.Stage = string(Failed)
		return Outcome{Saga: r.s.ID, Status: Failed, Reason: reason + "; compensation is off, nothing was undone"}
	}
	r.progress.Stage = "compensating"
	for i := len(r.stack) - 1; i >= 0; i-- {
		c := r.stack[i]
		if err := r.undo(c); err != nil {
			r.progress.Stage = string(Failed)
			why := fmt.Sprintf("%s; compensation %s failed: %s", reason, c.Name, message(err))
			if n := r.s.Unsafe.CompensationAttempts; n > 0 {
				why = fmt.Sprintf("%s; compensation %s gave up after %d attempt(s)", reason, c.Name, n)
			}
			return Outcome{Saga: r.s.ID, Status: Failed, Reason: why}
		}
		r.progress.Compensated = append(r.progress.Compensated, c.Name)
	}
	r.progress.Stage = string(Compensated)
	return Outcome{Saga: r.s.ID, Status: Compensated, Reason: reason}
}

// undo runs one compensation until it succeeds. Its retry policy already
// retries without bound; the loop is for an activity whose retries end on
// a timeout anyway: the SDK's test environment does not retry an attempt
// that timed out (a loaded machine made a 2 s NATS request time out and the
// saga end half compensated), and a policy given a ScheduleToCloseTimeout
// expires. A compensation must not give up, so it runs again. Only the
// Unsafe limit, a cancel or a non-timeout failure (a non-retryable error
// the policy refused to retry) end it.
func (r *run) undo(c Action) error {
	for {
		err := workflow.ExecuteActivity(r.cctx, c.Activity, r.key(c.Name), r.in).Get(r.cctx, nil)
		var timeout *temporal.TimeoutError
		if err == nil || r.s.Unsafe.CompensationAttempts > 0 || !errors.As(err, &timeout) {
			return err
		}
	}
}

// message is the innermost message of an activity error.
func message(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) {
		return fmt.Sprintf("%s timeout", timeout.TimeoutType())
	}
	if temporal.IsCanceledError(err) {
		return "cancelled"
	}
	return err.Error()
}

// failure turns a step's unknown outcome into the saga's reason.
func failure(step string, err error, cancelled bool) string {
	switch {
	case cancelled:
		return fmt.Sprintf("cancelled by the customer while %s ran", step)
	case temporal.IsCanceledError(err):
		return "workflow cancelled"
	default:
		return fmt.Sprintf("%s failed: %s", step, message(err))
	}
}
