package temporalfloor

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
)

// The floor workflow runs its steps as the kind of activity asked for (a
// floor that skipped its activities would measure nothing).
func TestWorkflowRunsEachStepAsAskedFor(t *testing.T) {
	for _, local := range []bool{false, true} {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		env.RegisterActivity(Noop)
		regular, locals := 0, 0
		env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) { regular++ })
		env.SetOnLocalActivityStartedListener(func(*activity.Info, context.Context, []any) { locals++ })
		env.ExecuteWorkflow(Workflow, 3, local)
		if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
			t.Fatalf("local=%v: completed %v, error %v", local, env.IsWorkflowCompleted(), env.GetWorkflowError())
		}
		want := [2]int{3, 0}
		if local {
			want = [2]int{0, 3}
		}
		if got := [2]int{regular, locals}; got != want {
			t.Errorf("local=%v: %d activities and %d local activities, want %v", local, regular, locals, want)
		}
	}
}

func TestWorkflowFailsWhenAStepFails(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(Noop)
	env.OnActivity(Noop, context.Background()).Return(errors.New("boom"))
	env.ExecuteWorkflow(Workflow, 3, false)
	if env.GetWorkflowError() == nil {
		t.Fatal("a failed step did not fail the floor workflow")
	}
}

func TestPercentile(t *testing.T) {
	r := Round{Latencies: []time.Duration{1, 2, 3, 4, 5}}
	if r.Percentile(0.5) != 3 || r.Percentile(1) != 5 || (Round{}).Percentile(0.5) != 0 {
		t.Fatal("percentiles of 1..5")
	}
}
