package saga_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/saga"
)

// onFirstRequest presses fault once, as the lab's button does, when a
// worker's activity makes its first request to a service: a moment when
// an activity is in flight. Its answer is kept under the fault's name.
func onFirstRequest(fault string) labtest.Cue[string] {
	pressed := false
	return func(ev narrate.Event) (string, []string) {
		if ev.Kind == narrate.KindMessage && ev.Fields["from"] == "worker" && !pressed {
			pressed = true
			return fault, []string{fault}
		}
		return "", nil
	}
}

// The lab's "kill worker" button on the dev server, in JSON mode: act 2
// offers kill-worker; the test injects it while the first activity is in
// flight (as the lab does with a control line). The requested kill has its
// own FAULT line, a new worker process starts, the scheduled kill still
// fires (the verdict would say if it did not), and the verdict is HELD:
// whatever the dead worker held was retried, and the services' keys
// absorbed what had applied. Once act 2 is over, the offer is withdrawn.
//
// Fault: kill-9 | target: the Temporal worker process, when the lab's button asks, an activity in flight | invariant: a new worker retries what the dead one held; the verdict is HELD
func TestDemoKillWorkerOnDemand(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	lab, n := labtest.NewLab(onFirstRequest(saga.FaultKillWorker))
	require.NoError(t, saga.Demo(ctx, n, saga.DefaultConfig()))
	answers := lab.Answers()[saga.FaultKillWorker]
	require.Len(t, answers, 1, "a worker's activity made a request")
	require.NoError(t, answers[0], "kill-worker is on offer while an activity is in flight")

	var offered, withdrawn, requested, scheduled, restarts, afterRequest int
	var verdict *narrate.Event
	for i, ev := range lab.Events() {
		switch {
		case ev.Kind == narrate.KindControl && ev.Fields["offer"] == saga.FaultKillWorker:
			offered++
		case ev.Kind == narrate.KindControl && ev.Fields["withdraw"] == saga.FaultKillWorker:
			withdrawn++
		case ev.Kind == narrate.KindFault && strings.Contains(ev.Text, "SIGKILL the worker process (requested)"):
			requested++
			assert.Regexp(t, `\(requested\) while order-\d+ runs: `, ev.Text, "an activity was in flight")
			afterRequest = i
		case ev.Kind == narrate.KindFault && strings.Contains(ev.Text, "SIGKILL the worker process: order-5's charge has applied at payment"):
			scheduled++
			assert.NotNil(t, ev.Fields["planned"], "the scheduled kill fires as the planned fault")
		case ev.Kind == narrate.KindStep && ev.Actor == "worker" && strings.HasPrefix(ev.Text, "[worker] a new worker process starts"):
			restarts++
			if requested == 1 && restarts == 1 {
				assert.Greater(t, i, afterRequest)
			}
		case ev.Kind == narrate.KindInvariant:
			verdict = &ev
		}
	}
	assert.Equal(t, 1, offered, "offered once, for act 2")
	assert.Equal(t, 1, withdrawn, "withdrawn once act 2's sagas are over")
	assert.Equal(t, 1, requested, "the requested kill's own FAULT line")
	assert.Equal(t, 1, scheduled, "the scheduled kill still fires")
	assert.Equal(t, 2, restarts, "a new worker after each kill")
	require.NotNil(t, verdict)
	assert.True(t, strings.HasPrefix(verdict.Text, "[invariant] HELD: "), verdict.Text)
	assert.True(t, n.Held(), "failures: %v", n.Failures())

	err := n.Inject(saga.FaultKillWorker)
	assert.ErrorContains(t, err, "no fault \"kill-worker\" on offer now", "no kill once act 2 is over")
}

// In JSON mode act 2 draws the worker's requests and the services' answers
// from the journals: with the SDK's test environment (no worker process,
// so nothing on offer), every step's request has an answer on the way back
// but the lost one, a retried step is the same message again, and the
// sagas' ends are charted. Act 1 draws each event delivered to the service
// that reacts to it, from the one that emitted it.
func TestDemoDrawsTheActivitiesMessages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	lab, n := labtest.NewLab[string](nil)
	cfg := saga.DefaultConfig()
	cfg.Temporal = saga.InMemory
	require.NoError(t, saga.Demo(ctx, n, cfg))
	assert.True(t, n.Held(), "failures: %v", n.Failures())

	requests := map[string]int{}
	answers := map[string]int{}
	deliveries := map[string][]string{}
	var samples []float64
	for _, ev := range lab.Events() {
		switch ev.Kind {
		case narrate.KindMessage:
			id, _ := ev.Fields["id"].(string)
			if strings.HasSuffix(id, " event") { // act 1
				deliveries[id] = append(deliveries[id], ev.Fields["from"].(string)+" -> "+ev.Fields["to"].(string)+": "+ev.Fields["what"].(string))
				continue
			}
			if ev.Fields["from"] == "worker" {
				requests[id]++
			} else {
				assert.Equal(t, "worker", ev.Fields["to"])
				answers[id]++
			}
		case narrate.KindSample:
			if ev.Fields["series"] == "sagas completed" {
				samples = append(samples, ev.Fields["value"].(float64))
			}
		case narrate.KindControl:
			if ev.Fields["offer"] == saga.FaultKillWorker {
				t.Errorf("no worker process to kill in the SDK's test environment: %v", ev.Fields)
			}
		}
	}
	assert.Equal(t, 5, requests["order-7/book"], "the pivot: four transient failures and the attempt whose answer is lost")
	assert.Equal(t, 4, answers["order-7/book answer"], "the lost answer is not drawn")
	assert.Equal(t, 1, requests["order-7/book settle"], "then the workflow settles it with shipping")
	assert.Equal(t, 1, answers["order-7/book settle answer"], "and hears it booked")
	assert.Equal(t, 3, requests["order-3/refund"], "order-3's refund fails twice, then applies")
	assert.Equal(t, 3, answers["order-3/refund answer"], "each attempt is answered")
	assert.Len(t, samples, saga.DefaultConfig().Orders, "a sample after each saga")
	assert.Equal(t, []string{"inventory -> payment: order-2 stock.reserved: applied"}, deliveries["order-2/charge event"], "act 1: who told payment to charge")
	assert.Equal(t, []string{"orders -> inventory: order-7 order.placed: applied", "orders -> inventory: order-7 order.placed: redelivery, absorbed by its key"},
		deliveries["order-7/reserve event"], "act 1: order-7's reserve is delivered again (its ack is lost)")
}
