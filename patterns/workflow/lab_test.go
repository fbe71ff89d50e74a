package workflow_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/workflow"
)

// onCue is the narration's writer that injects a fault, as the lab's
// button does, when a line containing cue is written.
type onCue struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	n     *narrate.Narrator
	cue   string
	fault string
	done  chan error
	once  sync.Once
}

func (w *onCue) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.Contains(p, []byte(w.cue)) {
		// Inject takes the narrator's lock, which this write holds.
		w.once.Do(func() { go func() { w.done <- w.n.Inject(w.fault) }() })
	}
	return w.buf.Write(p)
}

func (w *onCue) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// killOnDemand runs the nats engine alone and asks for kill-worker as
// soon as the lines are published, while the consumers work through them.
func killOnDemand(t *testing.T, cfg workflow.Config) (*narrate.Narrator, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg.Engines = []workflow.Engine{workflow.EngineNATS}
	w := &onCue{cue: "[collect] published ", fault: workflow.FaultKillWorker, done: make(chan error, 1)}
	w.n = narrate.New(w)
	require.NoError(t, workflow.Demo(ctx, w.n, cfg))
	require.NoError(t, <-w.done, "kill-worker is on offer while the consumers work")
	assert.ErrorContains(t, w.n.Inject(workflow.FaultKillWorker), `no fault "kill-worker" on offer now`, "withdrawn once act 2 is over")
	return w.n, w.String()
}

// The lab's "kill worker" button in act 2: an analyze consumer process
// dies of SIGKILL mid-run (its FAULT line), a new process takes its place
// (checked: another pid), the scheduled crash of analyze-1 still comes,
// and every reading is still stored once or rejected: the verdict, the
// last line, holds.
//
// Fault: kill-9 | target: a running analyze stage consumer process, when the lab's button asks | invariant: it died of SIGKILL and a new process took its place; every reading stored once or rejected, the verdict is HELD
func TestKillWorkerOnDemand(t *testing.T) {
	n, out := killOnDemand(t, workflow.DefaultConfig())
	assert.Regexp(t, `\[chaos\] FAULT: SIGKILL analyze-2 \(requested in the lab\) with \d+ messages still to finish`, out)
	assert.Regexp(t, `\[nats\] restarted analyze-2 \(pid \d+\) on the same durable consumer`, out)
	assert.Regexp(t, `\[check\] killed-on-request: analyze-2 \(pid \d+\) died of SIGKILL and was restarted as pid \d+: ok`, out)
	assert.Contains(t, out, "FAULT: analyze-1 died of SIGKILL in its first batch", "the scheduled crash still fires")
	last := labtest.LastLine(out)
	assert.True(t, strings.HasPrefix(last, "[invariant] HELD"), last)
	assert.True(t, n.Held(), "failures: %v", n.Failures())
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
	n, out := killOnDemand(t, cfg)
	require.Contains(t, out, "FAULT: SIGKILL analyze-")
	last := labtest.LastLine(out)
	assert.True(t, strings.HasPrefix(last, "[invariant] VIOLATED"), last)
	assert.Contains(t, last, "nats: lost: neither stored nor rejected")
	assert.False(t, n.Held())
}

// killTemporalOnDemand runs the temporal engine alone and asks for
// kill-worker as soon as the batch workflow has started.
func killTemporalOnDemand(t *testing.T, cfg workflow.Config) (*narrate.Narrator, string) {
	t.Helper()
	labtest.RequireTemporalCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cfg.Engines = []workflow.Engine{workflow.EngineTemporal}
	w := &onCue{cue: "[temporal] started the batch workflow", fault: workflow.FaultKillWorker, done: make(chan error, 1)}
	w.n = narrate.New(w)
	require.NoError(t, workflow.Demo(ctx, w.n, cfg))
	require.NoError(t, <-w.done, "kill-worker is on offer while the batch runs")
	assert.ErrorContains(t, w.n.Inject(workflow.FaultKillWorker), `no fault "kill-worker" on offer now`, "withdrawn once act 3 is over")
	return w.n, w.String()
}

// The lab's "kill worker" button in act 3: the Temporal worker process
// dies of SIGKILL as the batch starts (its FAULT line), the next worker
// starts (checked: another pid), the scheduled kill still comes, the
// killed analyze is retried on a worker started after it, and the verdict,
// the last line, holds.
//
// Fault: kill-9 | target: the Temporal worker process, when the lab's button asks as the batch starts | invariant: the next worker takes over, the killed analyze resumes from its heartbeat, the verdict is HELD
func TestKillTemporalWorkerOnDemand(t *testing.T) {
	n, out := killTemporalOnDemand(t, workflow.DefaultConfig())
	assert.Contains(t, out, "[chaos] FAULT: SIGKILL temporal-worker-1 (requested in the lab)")
	assert.Regexp(t, `\[temporal\] started temporal-worker-2 \(pid \d+\): it replays`, out)
	assert.Regexp(t, `\[check\] killed-on-request: temporal-worker-1 \(pid \d+\) died of SIGKILL and the next worker runs as pid \d+: ok`, out)
	assert.Contains(t, out, "FAULT: SIGKILL temporal-worker-2 while analyze activities run", "the scheduled kill still fires, on the worker running then")
	assert.Regexp(t, `\[check\] resumed-from-heartbeat: the history shows the killed analyze activity retried on temporal-worker-3, .*: ok`, out)
	last := labtest.LastLine(out)
	assert.True(t, strings.HasPrefix(last, "[invariant] HELD"), last)
	assert.True(t, n.Held(), "failures: %v", n.Failures())
}

// With -retry=false the activities a killed worker held get no second
// attempt, and the verdict says readings were lost (the switch needs the
// scheduled kill too, so the loss is not the requested kill's alone).
//
// Fault: kill-9 | target: the Temporal worker killed from the lab, with -retry=false | invariant: broken on purpose: the verdict is VIOLATED, readings lost
func TestKillTemporalWorkerOnDemandWithoutRetryLosesReadings(t *testing.T) {
	cfg := workflow.DefaultConfig()
	cfg.Safeguards.Retry = false
	n, out := killTemporalOnDemand(t, cfg)
	require.Contains(t, out, "[chaos] FAULT: SIGKILL temporal-worker-1 (requested in the lab)")
	last := labtest.LastLine(out)
	assert.True(t, strings.HasPrefix(last, "[invariant] VIOLATED"), last)
	assert.Contains(t, last, "temporal: lost: neither stored nor rejected")
	assert.False(t, n.Held())
}
