package operator

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// runLab runs the demo in JSON mode on envtest and the embedded hub; at
// the opening of each act named in plan it presses that act's faults,
// keeping their answers by act.
func runLab(t *testing.T, cfg Config, plan map[string][]string) (*labtest.Lab[string], *narrate.Narrator, map[string][]error) {
	t.Helper()
	if os.Getenv(EnvAssets) == "" {
		labtest.Missing(t, EnvAssets+" is not set: `make test` builds kube-apiserver and etcd once and exports it")
	}
	t.Setenv(EnvKubeconfig, "")
	t.Setenv(natsembed.EnvURL, "")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	lab, n := labtest.NewLab(func(ev narrate.Event) (string, []string) {
		if ev.Kind != narrate.KindAct {
			return "", nil
		}
		title := strings.Trim(ev.Text, "= ")
		return title, plan[title]
	})
	require.NoError(t, Demo(ctx, n, cfg))
	return lab, n, lab.Answers()
}

func countText(events []narrate.Event, kind, sub string) int {
	c := 0
	for _, ev := range events {
		if ev.Kind == kind && strings.Contains(ev.Text, sub) {
			c++
		}
	}
	return c
}

// The lab's three buttons, pressed mid-run on envtest and the embedded hub:
// when the spec update's act opens, stop-hub, then stop-hub again (refused:
// the hub is already down), then delete-child while the hub is down; when
// the invalid specs' act opens, edit-child. Each has its FAULT line, the
// operator repairs what it broke (the Deployment is a new object, the
// ConfigMap points at the spec's hub again, the hub saw the operator's
// refused requests while it was down), each has its own check, the verdict
// is HELD and it is the last line. Once the EdgeSite is deleted nothing is
// on offer.
//
// Fault: drift | target: the gateway's Deployment deleted and its ConfigMap edited from the lab, mid-run | invariant: the cluster and the hub match the spec within 10s of each, the Deployment a new object, the ConfigMap back on the spec's hub
// Fault: failure | target: the hub's JetStream stopped from the lab for 3s, a child deleted meanwhile | invariant: the cluster and the hub match the spec within 10s of its return
func TestLabFaultsOnDemand(t *testing.T) {
	const update, invalid = "attack: update the spec", "attack: invalid specs"
	lab, n, answers := runLab(t, DefaultConfig(), map[string][]string{
		update:  {FaultStopHub, FaultStopHub, FaultDeleteChild},
		invalid: {FaultEditChild},
	})
	events, story := lab.Events(), lab.Story()
	require.Len(t, answers[update], 3, story)
	assert.NoError(t, answers[update][0], FaultStopHub)
	assert.ErrorContains(t, answers[update][1], "the hub's JetStream is already down: stopped in the lab", FaultStopHub)
	assert.NoError(t, answers[update][2], FaultDeleteChild)
	require.Len(t, answers[invalid], 1, story)
	assert.NoError(t, answers[invalid][0], FaultEditChild)

	assert.Equal(t, 1, countText(events, narrate.KindFault, "[hub] FAULT: JetStream stopped on the hub (requested in the lab)"), story)
	assert.Equal(t, 1, countText(events, narrate.KindFault, "[kubectl] FAULT: deleted Deployment plant-7-gateway (requested in the lab)"), story)
	assert.Equal(t, 1, countText(events, narrate.KindFault, "[kubectl] FAULT: edited ConfigMap plant-7-gateway (requested in the lab): leafnode remote now "+rogueHub), story)
	assert.Contains(t, story, "[hub] JetStream started again on the same store (requested stop over)")
	assert.Contains(t, story, "[check] lab delete-child: cluster and hub match the spec within 10s after the deletion, and Deployment plant-7-gateway is a new object: ok")
	assert.Contains(t, story, "[check] lab edit-child: cluster and hub match the spec within 10s after the edit, and ConfigMap plant-7-gateway's leafnode remote is the spec's hub again: ok")
	assert.Contains(t, story, "[check] lab stop-hub: cluster and hub match the spec within 10s after JetStream came back: ok")
	assert.Regexp(t, `\[hub\] saw [1-9]\d* registry requests from the operator while it was down`, story,
		"the Deployment deleted while the hub was down woke the operator, whose registration the hub refused")

	last := events[len(events)-1]
	assert.Equal(t, narrate.KindInvariant, last.Kind, story)
	assert.True(t, strings.HasPrefix(last.Text, "[invariant] HELD: "), last.Text)
	assert.True(t, n.Held(), "failures: %v", n.Failures())
	for _, f := range []string{FaultDeleteChild, FaultEditChild, FaultStopHub} {
		assert.ErrorContains(t, n.Inject(f), "on offer now", "nothing on offer once the EdgeSite is deleted")
	}
}
