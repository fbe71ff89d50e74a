package temporalfloor

import (
	"context"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
)

// Phases is where a workflow's time went between the events of its history,
// as the server stamped them: the answer to "which hop is slow" without a
// tracer.
type Phases struct {
	// ActivityQueued: an activity's scheduled to started (waiting in the
	// task queue for a worker's poll; about zero when it ran eagerly).
	ActivityQueued time.Duration
	// ActivityRun: started to completed (the worker ran it and reported).
	ActivityRun time.Duration
	// WorkflowTaskQueued: a workflow task's scheduled to started (the
	// history service handing it to matching, and matching to a worker).
	WorkflowTaskQueued time.Duration
	// WorkflowTaskRun: started to completed (the worker replayed the
	// workflow code and answered with its commands).
	WorkflowTaskRun time.Duration
	// Between: the rest between the first and the last event (a completed
	// activity until its next workflow task is scheduled, and the like).
	Between time.Duration
}

// Add sums two breakdowns.
func (p Phases) Add(q Phases) Phases {
	return Phases{p.ActivityQueued + q.ActivityQueued, p.ActivityRun + q.ActivityRun,
		p.WorkflowTaskQueued + q.WorkflowTaskQueued, p.WorkflowTaskRun + q.WorkflowTaskRun, p.Between + q.Between}
}

// Total is the workflow's time from its first event to its last.
func (p Phases) Total() time.Duration {
	return p.ActivityQueued + p.ActivityRun + p.WorkflowTaskQueued + p.WorkflowTaskRun + p.Between
}

// Breakdown reads a closed workflow's history and splits its time into
// Phases.
func Breakdown(ctx context.Context, c client.Client, workflowID string) (Phases, error) {
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return Phases{}, err
		}
		events = append(events, e)
	}
	return phases(events), nil
}

// phases attributes each gap between consecutive events to the phase it
// closes.
func phases(events []*historypb.HistoryEvent) Phases {
	var p Phases
	for i := 1; i < len(events); i++ {
		gap := events[i].GetEventTime().AsTime().Sub(events[i-1].GetEventTime().AsTime())
		switch prev, cur := events[i-1].GetEventType(), events[i].GetEventType(); {
		case prev == enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && cur == enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			p.ActivityQueued += gap
		case prev == enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED && cur == enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			p.ActivityRun += gap
		case prev == enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED && cur == enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
			p.WorkflowTaskQueued += gap
		case prev == enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED && cur == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			p.WorkflowTaskRun += gap
		default:
			p.Between += gap
		}
	}
	return p
}
