package labtest_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/goleak"

	"github.com/patternlab/patternlab/kit/labtest"
)

func failsOnce(context.Context) error { return errors.New("not yet") }

// endsWhileARetryWaits starts an activity that fails and is retried an hour
// later, and ends after a minute: the retry never comes.
func endsWhileARetryWaits(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Hour, MaximumAttempts: 2},
	})
	_ = workflow.ExecuteActivity(ctx, failsOnce)
	return workflow.Sleep(ctx, time.Minute)
}

// The SDK's test environment keeps the goroutine of a retry nobody waits
// for: goleak finds it, and the option ignores exactly that one.
func TestIgnoreTemporalTestRetries(t *testing.T) {
	before := goleak.IgnoreCurrent()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	// No 1s deadlock detection: a loaded machine trips it with no deadlock.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	env.RegisterWorkflow(endsWhileARetryWaits)
	env.RegisterActivity(failsOnce)
	env.ExecuteWorkflow(endsWhileARetryWaits)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())

	err := goleak.Find(before)
	require.Error(t, err, "the test environment keeps the retry's goroutine")
	require.Contains(t, err.Error(), "executeActivityWithRetryForTest")
	require.NoError(t, goleak.Find(append(labtest.IgnoreTemporalTestRetries(), before)...))
}
