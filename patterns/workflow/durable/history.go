package durable

import (
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/patternlab/patternlab/patterns/workflow/durable/workflows"
)

// What a partition's history says happened, read from the events the server
// recorded: the judge of the durable engine's claims is the server, not the
// workflow's own answers.

// Attempt is one started attempt of an activity, as the history records it.
type Attempt struct {
	Activity string
	Attempt  int32
	Worker   string // the identity of the worker that took it
}

// StartedAttempts lists every activity attempt the history shows started.
func StartedAttempts(events []*historypb.HistoryEvent) []Attempt {
	scheduled := map[int64]string{}
	var out []Attempt
	for _, e := range events {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			scheduled[e.GetEventId()] = e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			a := e.GetActivityTaskStartedEventAttributes()
			out = append(out, Attempt{Activity: scheduled[a.GetScheduledEventId()], Attempt: a.GetAttempt(), Worker: a.GetIdentity()})
		}
	}
	return out
}

// ScheduledWhilePaused lists the activities the history shows scheduled
// after a pause signal and before the resume that followed it: none, if the
// pause held.
func ScheduledWhilePaused(events []*historypb.HistoryEvent) ([]string, error) {
	var out []string
	paused := false
	for _, e := range events {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			a := e.GetWorkflowExecutionSignaledEventAttributes()
			if a.GetSignalName() != workflows.SignalControl {
				continue
			}
			var cmd string
			if err := converter.GetDefaultDataConverter().FromPayloads(a.GetInput(), &cmd); err != nil {
				return nil, fmt.Errorf("decode signal: %w", err)
			}
			paused = cmd == workflows.CommandPause
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			if paused {
				out = append(out, e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName())
			}
		}
	}
	return out, nil
}

// Signaled reports whether the history holds the given control command.
func Signaled(events []*historypb.HistoryEvent, command string) bool {
	for _, e := range events {
		a := e.GetWorkflowExecutionSignaledEventAttributes()
		if e.GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED || a.GetSignalName() != workflows.SignalControl {
			continue
		}
		var cmd string
		if converter.GetDefaultDataConverter().FromPayloads(a.GetInput(), &cmd) == nil && cmd == command {
			return true
		}
	}
	return false
}
