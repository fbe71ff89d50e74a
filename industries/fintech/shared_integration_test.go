//go:build integration

package fintech_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/patternlab/patternlab/industries/fintech"
	"github.com/patternlab/patternlab/kit/goimage"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

// TestIntegrationOnSharedServers runs the day against servers that are not
// the demo's: a nats-server in a container and a Temporal dev server in a
// process of its own, both already holding someone else's work under the
// demo's default names (the streams PAYMENTS, PAYMENTS_DLQ, RISK and the
// books' LEDGER_<BANK>; a running workflow payment-pi-000001 on the task
// queue fintech-payments). The day must end HELD, leave the other tenant's
// streams and workflow exactly as they were, and delete what it created.
func TestIntegrationOnSharedServers(t *testing.T) {
	goimage.RequireDocker(t)
	labtest.RequireTemporalCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	url := goimage.NATS(t, ctx)

	srv, err := temporaldev.Start(ctx, temporaldev.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Stop)
	t.Setenv(temporaldev.EnvAddress, srv.Address())
	tc, err := client.Dial(client.Options{HostPort: srv.Address(), Namespace: "default"})
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	const foreign = "payment-pi-000001"
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: foreign, TaskQueue: "fintech-payments"}, "PaymentSaga", "not the demo's")
	require.NoError(t, err)
	history := func() int {
		d, err := tc.DescribeWorkflow(ctx, foreign, run.GetRunID())
		require.NoError(t, err)
		assert.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, d.Status)
		return d.HistoryLength
	}
	before := history()

	streams := []string{"PAYMENTS", "PAYMENTS_DLQ", "RISK", "LEDGER_ALPHA", "LEDGER_BRAVO", "LEDGER_CHARLIE", "LEDGER_DELTA"}
	labtest.LeavesForeignStreamsAlone(t, url, fintech.Command, streams, "-payments=20", "-accounts=8")

	assert.Equal(t, before, history(), "the other tenant's workflow was not touched")
	// Deleting an execution is asynchronous on the server: wait until the
	// namespace holds the other tenant's workflow only.
	var left []string
	err = poll.Within(ctx, 2*time.Minute, 200*time.Millisecond, func() (bool, error) {
		resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default"})
		if err != nil {
			return false, err
		}
		left = left[:0]
		for _, e := range resp.Executions {
			left = append(left, e.Execution.WorkflowId)
		}
		return len(left) == 1 && left[0] == foreign, nil
	})
	assert.NoError(t, err, "workflows left on the shared Temporal: %v", left)
}
