package workflow

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// StartBatch starts the batch workflow. A batch ID names one batch for good:
// starting it again while it runs joins the running one.
func StartBatch(ctx context.Context, c client.Client, in BatchInput) (client.WorkflowRun, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       in.BatchID,
		TaskQueue:                TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, BatchWorkflow, in)
	if err != nil {
		return nil, fmt.Errorf("start batch %s: %w", in.BatchID, err)
	}
	return run, nil
}

// Progress asks a running batch how far it is (a worker answers).
func Progress(ctx context.Context, c client.Client, batchID string) (BatchProgress, error) {
	var p BatchProgress
	v, err := c.QueryWorkflow(ctx, batchID, "", QueryProgress)
	if err != nil {
		return p, fmt.Errorf("query %s: %w", batchID, err)
	}
	return p, v.Get(&p)
}

// PartitionState asks one partition of a batch how far it is.
func PartitionState(ctx context.Context, c client.Client, batchID string, partition int) (PartitionProgress, error) {
	var p PartitionProgress
	v, err := c.QueryWorkflow(ctx, ChildID(batchID, partition), "", QueryProgress)
	if err != nil {
		return p, fmt.Errorf("query partition %d: %w", partition, err)
	}
	return p, v.Get(&p)
}

// Control sends pause or resume to a batch.
func Control(ctx context.Context, c client.Client, batchID, command string) error {
	if err := c.SignalWorkflow(ctx, batchID, "", SignalControl, command); err != nil {
		return fmt.Errorf("signal %s to %s: %w", command, batchID, err)
	}
	return nil
}

// AnalyzeCheckpoint reads, from the server and without any worker, how far
// the running analyze activity of a partition got by its last heartbeat;
// ok is false when no analyze attempt is running or none has heartbeated.
func AnalyzeCheckpoint(ctx context.Context, c client.Client, batchID string, partition int) (next int, ok bool, err error) {
	d, err := c.DescribeWorkflow(ctx, ChildID(batchID, partition), "")
	if err != nil {
		return 0, false, fmt.Errorf("describe partition %d: %w", partition, err)
	}
	for _, pa := range d.RawResponse.GetPendingActivities() {
		if pa.GetActivityType().GetName() != string(Analyze) || pa.GetHeartbeatDetails() == nil {
			continue
		}
		var p analyzeProgress
		if err := converter.GetDefaultDataConverter().FromPayloads(pa.GetHeartbeatDetails(), &p); err != nil {
			return 0, false, fmt.Errorf("decode heartbeat: %w", err)
		}
		return p.Next, true, nil
	}
	return 0, false, nil
}

// PendingActivities counts the activities of a partition that are scheduled
// or running, as the server sees them.
func PendingActivities(ctx context.Context, c client.Client, batchID string, partition int) (int, error) {
	d, err := c.DescribeWorkflow(ctx, ChildID(batchID, partition), "")
	if err != nil {
		return 0, fmt.Errorf("describe partition %d: %w", partition, err)
	}
	return len(d.RawResponse.GetPendingActivities()), nil
}
