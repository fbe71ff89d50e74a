package saga_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/saga"
)

// declineOnDemand runs the demo in JSON mode and asks for decline-step as
// soon as act 2's worker makes its first request (as the lab's button
// does), and returns the events, the saga whose step was declined and the
// step.
func declineOnDemand(t *testing.T, cfg saga.Config) (n *narrate.Narrator, all []narrate.Event, declined, step string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	lab, n := labtest.NewLab(onFirstRequest(saga.FaultDeclineStep))
	require.NoError(t, saga.Demo(ctx, n, cfg))
	answers := lab.Answers()[saga.FaultDeclineStep]
	require.Len(t, answers, 1, "act 2's worker made a request")
	require.NoError(t, answers[0], "decline-step is on offer while act 2's sagas run")
	all = lab.Events()
	fault := regexp.MustCompile(`FAULT: (order-\d+) (charge|book) declined: declined on request in the lab`)
	for _, ev := range all {
		if m := fault.FindStringSubmatch(ev.Text); ev.Kind == narrate.KindFault && m != nil {
			require.Empty(t, declined, "one requested decline, one FAULT line")
			declined, step = m[1], m[2]
			assert.NotNil(t, ev.Fields["planned"], "the requested decline fires as a planned fault")
		}
	}
	require.NotEmpty(t, declined, "the requested decline happened and was narrated")
	last := all[len(all)-1]
	require.Equal(t, narrate.KindInvariant, last.Kind, "the verdict is the last event")
	return n, all, declined, step
}

// The lab's "decline a step" button in act 2 (the SDK's test environment:
// the button needs no worker process): the next charge or booking the
// schedule leaves alone is declined by its service, the workflow
// compensates what applied before it (the FAULT line, then the refund or
// release in the saga's story, then "compensated"), and the invariant
// still holds. The offer is withdrawn when act 2 is over.
//
// Fault: failure | target: the next charge or booking, declined by its service when the lab's button asks | invariant: the saga ends compensated (its release, and its refund after a booking), the verdict is HELD
func TestDemoDeclineAStepOnDemand(t *testing.T) {
	cfg := saga.DefaultConfig()
	cfg.Temporal = saga.InMemory
	n, all, declined, step := declineOnDemand(t, cfg)

	var offered, withdrawn int
	var compensated, released, refunded bool
	for _, ev := range all {
		switch {
		case ev.Kind == narrate.KindControl && ev.Fields["offer"] == saga.FaultDeclineStep:
			offered++
		case ev.Kind == narrate.KindControl && ev.Fields["withdraw"] == saga.FaultDeclineStep:
			withdrawn++
		case ev.Kind == narrate.KindStep && strings.HasPrefix(ev.Text, "[orchestrator] "+declined+" compensated"):
			compensated = true
		case ev.Kind == narrate.KindStep && strings.HasPrefix(ev.Text, "[inventory] "+declined+" released"):
			released = true
		case ev.Kind == narrate.KindStep && strings.HasPrefix(ev.Text, "[payment] "+declined+" refunded"):
			refunded = true
		}
	}
	assert.Equal(t, 1, offered, "offered once, for act 2")
	assert.Equal(t, 1, withdrawn, "withdrawn once act 2's sagas are over")
	assert.True(t, compensated, "%s compensated after its %s was declined", declined, step)
	assert.True(t, released, "%s's reservation was released", declined)
	if step == "book" {
		assert.True(t, refunded, "%s's charge was refunded", declined)
	}
	verdict := all[len(all)-1]
	assert.True(t, strings.HasPrefix(verdict.Text, "[invariant] HELD: "), verdict.Text)
	assert.True(t, n.Held(), "failures: %v", n.Failures())
	assert.ErrorContains(t, n.Inject(saga.FaultDeclineStep), `no fault "decline-step" on offer now`, "no decline once act 2 is over")
}

// With -compensation=false, the saga whose step was declined on request
// keeps what applied before the decline, and the verdict names it.
//
// Fault: failure | target: a step declined from the lab, with -compensation=false | invariant: broken on purpose: the verdict is VIOLATED, naming that saga as still reserved
func TestDemoDeclineOnDemandWithoutCompensationIsViolated(t *testing.T) {
	cfg := saga.DefaultConfig()
	cfg.Temporal = saga.InMemory
	cfg.Compensation = false
	n, all, declined, _ := declineOnDemand(t, cfg)
	verdict := all[len(all)-1]
	assert.True(t, strings.HasPrefix(verdict.Text, "[invariant] VIOLATED: "), verdict.Text)
	assert.Contains(t, verdict.Text, "orchestration: "+declined+" stayed reserved", "the requested decline's saga kept its reservation")
	assert.False(t, n.Held())
}
