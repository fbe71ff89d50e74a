package workflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/workflow"
)

// onDemand is when each engine's run presses the lab's kill-worker
// button (the cue's answers are kept under key), and which act withdraws it.
var onDemand = map[workflow.Engine]struct {
	key        string
	cue        func() labtest.Cue[string]
	while, act string
	timeout    time.Duration
}{
	workflow.EngineNATS: {key: "[collect] published ", cue: func() labtest.Cue[string] {
		return labtest.OnFirstLine("[collect] published ", workflow.FaultKillWorker)
	}, while: "the consumers work", act: "act 2", timeout: 5 * time.Minute},
	// The batch's start is narrated just before kill-worker is offered: a
	// press on that line raced the offer (CI saw "no fault on offer now"),
	// so the temporal run presses when the button is offered.
	workflow.EngineTemporal: {key: workflow.FaultKillWorker, cue: func() labtest.Cue[string] {
		return labtest.OnOffer(workflow.FaultKillWorker, workflow.FaultKillWorker)
	}, while: "the batch runs", act: "act 3", timeout: 8 * time.Minute},
}

// killOnDemand runs one engine alone and presses kill-worker once, at
// that engine's cue: the lines published (nats), while the consumers work
// through them, or the moment kill-worker is offered, as the batch starts
// (temporal).
func killOnDemand(t *testing.T, cfg workflow.Config, engine workflow.Engine) (*narrate.Narrator, string) {
	t.Helper()
	if engine == workflow.EngineTemporal {
		labtest.RequireTemporalCLI(t)
	}
	on := onDemand[engine]
	ctx, cancel := context.WithTimeout(context.Background(), on.timeout)
	defer cancel()
	cfg.Engines = []workflow.Engine{engine}
	lab, n := labtest.NewLab(on.cue())
	require.NoError(t, workflow.Demo(ctx, n, cfg))
	answers := lab.Answers()[on.key]
	require.Len(t, answers, 1, "the cue %q came", on.key)
	require.NoError(t, answers[0], "kill-worker is on offer while %s", on.while)
	assert.ErrorContains(t, n.Inject(workflow.FaultKillWorker), `no fault "kill-worker" on offer now`, "withdrawn once %s is over", on.act)
	return n, lab.Story()
}

// verdict checks the last line: HELD (and the narrator agrees), or
// VIOLATED naming what was lost.
func verdict(t *testing.T, n *narrate.Narrator, out, lost string) {
	t.Helper()
	last := labtest.LastLine(out)
	if lost == "" {
		assert.True(t, strings.HasPrefix(last, "[invariant] HELD"), last)
		assert.True(t, n.Held(), "failures: %v", n.Failures())
		return
	}
	assert.True(t, strings.HasPrefix(last, "[invariant] VIOLATED"), last)
	assert.Contains(t, last, lost)
	assert.False(t, n.Held())
}

// The lab's "kill worker" button in act 2: an analyze consumer process
// dies of SIGKILL mid-run (its FAULT line), a new process takes its place
// (checked: another pid), the scheduled crash of analyze-1 still comes,
// and every reading is still stored once or rejected: the verdict, the
// last line, holds.
//
// Fault: kill-9 | target: a running analyze stage consumer process, when the lab's button asks | invariant: it died of SIGKILL and a new process took its place; every reading stored once or rejected, the verdict is HELD
func TestKillWorkerOnDemand(t *testing.T) {
	n, out := killOnDemand(t, workflow.DefaultConfig(), workflow.EngineNATS)
	assert.Regexp(t, `\[chaos\] FAULT: SIGKILL analyze-2 \(requested in the lab\) with \d+ messages still to finish`, out)
	assert.Regexp(t, `\[nats\] restarted analyze-2 \(pid \d+\) on the same durable consumer`, out)
	assert.Regexp(t, `\[check\] killed-on-request: analyze-2 \(pid \d+\) died of SIGKILL and was restarted as pid \d+: ok`, out)
	assert.Contains(t, out, "FAULT: analyze-1 died of SIGKILL in its first batch", "the scheduled crash still fires")
	verdict(t, n, out, "")
}

// With -ack-after-publish=false, a consumer killed on request (as well as
// the scheduled crash, which the switch needs) loses what it had
// acknowledged and not yet passed on, and the verdict says so. The kill
// on request cannot be told apart from the scheduled crash in the verdict:
// the flags refuse the switch without the crash.
//
// Fault: kill-9 | target: a stage consumer killed from the lab, with -ack-after-publish=false | invariant: broken on purpose: the verdict is VIOLATED, readings lost
func TestKillWorkerOnDemandWithAckFirstLosesReadings(t *testing.T) {
	cfg := workflow.DefaultConfig()
	cfg.Safeguards.AckAfterPublish = false
	n, out := killOnDemand(t, cfg, workflow.EngineNATS)
	require.Contains(t, out, "FAULT: SIGKILL analyze-")
	verdict(t, n, out, "nats: lost: neither stored nor rejected")
}

// The lab's "kill worker" button in act 3: the Temporal worker process
// dies of SIGKILL as the batch starts (its FAULT line), the next worker
// starts (checked: another pid), the scheduled kill still comes, the
// killed analyze is retried on a worker started after it, and the verdict,
// the last line, holds.
//
// Fault: kill-9 | target: the Temporal worker process, when the lab's button asks as the batch starts | invariant: the next worker takes over, the killed analyze resumes from its heartbeat, the verdict is HELD
func TestKillTemporalWorkerOnDemand(t *testing.T) {
	n, out := killOnDemand(t, workflow.DefaultConfig(), workflow.EngineTemporal)
	assert.Contains(t, out, "[chaos] FAULT: SIGKILL temporal-worker-1 (requested in the lab)")
	assert.Regexp(t, `\[temporal\] started temporal-worker-2 \(pid \d+\): it replays`, out)
	assert.Regexp(t, `\[check\] killed-on-request: temporal-worker-1 \(pid \d+\) died of SIGKILL and the next worker runs as pid \d+: ok`, out)
	assert.Contains(t, out, "FAULT: SIGKILL temporal-worker-2 while analyze activities run", "the scheduled kill still fires, on the worker running then")
	assert.Regexp(t, `\[check\] resumed-from-heartbeat: the history shows the killed analyze activity retried on temporal-worker-3, .*: ok`, out)
	verdict(t, n, out, "")
}

// With -retry=false the activities a killed worker held get no second
// attempt, and the verdict says readings were lost (the switch needs the
// scheduled kill too, so the loss is not the requested kill's alone).
//
// Fault: kill-9 | target: the Temporal worker killed from the lab, with -retry=false | invariant: broken on purpose: the verdict is VIOLATED, readings lost
func TestKillTemporalWorkerOnDemandWithoutRetryLosesReadings(t *testing.T) {
	cfg := workflow.DefaultConfig()
	cfg.Safeguards.Retry = false
	n, out := killOnDemand(t, cfg, workflow.EngineTemporal)
	require.Contains(t, out, "[chaos] FAULT: SIGKILL temporal-worker-1 (requested in the lab)")
	verdict(t, n, out, "temporal: lost: neither stored nor rejected")
}
