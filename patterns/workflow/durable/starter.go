package durable

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/patternlab/patternlab/patterns/workflow/durable/workflows"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// StartBatch starts the batch workflow on taskQueue. A batch ID names one
// batch for good: starting it again while it runs joins the running one.
func StartBatch(ctx context.Context, c client.Client, taskQueue string, in workflows.BatchInput) (client.WorkflowRun, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       in.BatchID,
		TaskQueue:                taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.BatchWorkflow, in)
	if err != nil {
		return nil, fmt.Errorf("start batch %s: %w", in.BatchID, err)
	}
	return run, nil
}

// Progress asks a running batch how far it is (a worker answers).
func Progress(ctx context.Context, c client.Client, batchID string) (workflows.BatchProgress, error) {
	var p workflows.BatchProgress
	v, err := c.QueryWorkflow(ctx, batchID, "", workflows.QueryProgress)
	if err != nil {
		return p, fmt.Errorf("query %s: %w", batchID, err)
	}
	return p, v.Get(&p)
}

// PartitionState asks one partition of a batch how far it is.
func PartitionState(ctx context.Context, c client.Client, batchID string, partition int) (workflows.PartitionProgress, error) {
	var p workflows.PartitionProgress
	v, err := c.QueryWorkflow(ctx, workflows.ChildID(batchID, partition), "", workflows.QueryProgress)
	if err != nil {
		return p, fmt.Errorf("query partition %d: %w", partition, err)
	}
	return p, v.Get(&p)
}

// Control sends pause or resume to a batch.
func Control(ctx context.Context, c client.Client, batchID, command string) error {
	if err := c.SignalWorkflow(ctx, batchID, "", workflows.SignalControl, command); err != nil {
		return fmt.Errorf("signal %s to %s: %w", command, batchID, err)
	}
	return nil
}

// ControlAll sends pause or resume to a batch and to each of its partitions
// that has started, so that every partition's history holds the command at
// once. The batch passes commands on to its children too, but only when a
// worker runs it: a partition whose stage completes first goes on to the
// next. Signalled directly, a partition takes the command before anything
// that happens after it.
func ControlAll(ctx context.Context, c client.Client, batchID string, partitions int, command string) error {
	if err := Control(ctx, c, batchID, command); err != nil {
		return err
	}
	for p := range partitions {
		err := c.SignalWorkflow(ctx, workflows.ChildID(batchID, p), "", workflows.SignalControl, command)
		if err != nil && !NotStarted(err) { // not started yet: the batch passes it on
			return fmt.Errorf("signal %s to partition %d: %w", command, p, err)
		}
	}
	return nil
}

// Partition is what the server says of one partition, without any worker.
type Partition struct {
	Running bool // false once the child workflow has closed, however
	// Pending is the activities scheduled or running.
	Pending int
	// Checkpoint is how far the running analyze activity got by its last
	// heartbeat; HasCheckpoint is false while none has heartbeated.
	Checkpoint    int
	HasCheckpoint bool
}

// DescribePartition reads one partition's state from the server. A child
// that has not started yet is a *serviceerror.NotFound.
func DescribePartition(ctx context.Context, c client.Client, batchID string, partition int) (Partition, error) {
	d, err := c.DescribeWorkflow(ctx, workflows.ChildID(batchID, partition), "")
	if err != nil {
		return Partition{}, fmt.Errorf("describe partition %d: %w", partition, err)
	}
	p := Partition{
		Running: d.RawResponse.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		Pending: len(d.RawResponse.GetPendingActivities()),
	}
	for _, pa := range d.RawResponse.GetPendingActivities() {
		if pa.GetActivityType().GetName() != string(pipeline.Analyze) || pa.GetHeartbeatDetails() == nil {
			continue
		}
		var hb AnalyzeProgress
		if err := converter.GetDefaultDataConverter().FromPayloads(pa.GetHeartbeatDetails(), &hb); err != nil {
			return p, fmt.Errorf("decode heartbeat: %w", err)
		}
		p.Checkpoint, p.HasCheckpoint = hb.Next, true
	}
	return p, nil
}

// NotStarted reports whether err says a workflow does not exist (yet), or
// no longer runs: the server answers NotFound to a signal for a closed one.
func NotStarted(err error) bool {
	_, ok := errors.AsType[*serviceerror.NotFound](err)
	return ok
}

// History reads a workflow's event history from the server.
func History(ctx context.Context, c client.Client, workflowID string) ([]*historypb.HistoryEvent, error) {
	var events []*historypb.HistoryEvent
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", workflowID, err)
		}
		events = append(events, e)
	}
	return events, nil
}
