//go:build integration

package workflow_test

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/workflow"
)

// Every safeguard the invariant depends on, turned off by its switch
// (pattern.yaml lists them), makes the demo end VIOLATED with the evidence
// in its last line; without a switch it holds. The faults the demo
// schedules are the ones each safeguard exists for: duplicate lines and
// repeated writes (-upsert), malformed lines and a poison reading
// (-rejects), a slow scoring service (-bounded), a consumer killed between
// its two commits (-ack-after-publish), a worker killed mid-activity
// (-retry). The engine-level fault tests are in the engines' packages.
//
// It runs six whole demos on embedded servers (about a minute), so it is in
// the integration tier, which CI runs; the unit tier's ExampleDemo runs the
// whole story once.
func TestIntegrationSwitches(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	labtest.Switches(t, workflow.Command, "-records=200", "-fanout=2", "-ackwait=1s", "-heartbeat=1s")
}
