package operator

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// labEvents collects a JSON-mode narration as it is written and calls onAct
// (on its own goroutine: the narrator's lock is held while it writes) with
// the title of each act as it opens.
type labEvents struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	all   []narrate.Event
	onAct func(title string)
}

func (e *labEvents) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.buf.Write(p)
	for {
		line, err := e.buf.ReadBytes('\n')
		if err != nil {
			e.buf.Write(line)
			break
		}
		var ev narrate.Event
		if json.Unmarshal(line, &ev) != nil {
			continue
		}
		e.all = append(e.all, ev)
		if ev.Kind == narrate.KindAct && e.onAct != nil {
			go e.onAct(strings.Trim(ev.Text, "= "))
		}
	}
	return len(p), nil
}

func (e *labEvents) list() []narrate.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]narrate.Event(nil), e.all...)
}

func (e *labEvents) story() string {
	var b strings.Builder
	for _, ev := range e.list() {
		if ev.Text != "" {
			b.WriteString(ev.Text + "\n")
		}
	}
	return b.String()
}

// requests are faults a test presses when an act opens, in order; each
// answer is kept by fault name (the last one).
type requests struct {
	n       *narrate.Narrator
	mu      sync.Mutex
	answers map[string][]error
	done    sync.WaitGroup
}

func (r *requests) press(faults ...string) {
	for _, f := range faults {
		err := r.n.Inject(f)
		r.mu.Lock()
		r.answers[f] = append(r.answers[f], err)
		r.mu.Unlock()
	}
}

// runLab runs the demo in JSON mode on envtest and the embedded hub; at
// the opening of each act named in plan it presses that act's faults.
func runLab(t *testing.T, cfg Config, plan map[string][]string) (*labEvents, *narrate.Narrator, map[string][]error) {
	t.Helper()
	if os.Getenv(EnvAssets) == "" {
		labtest.Missing(t, EnvAssets+" is not set: `make test` builds kube-apiserver and etcd once and exports it")
	}
	t.Setenv(EnvKubeconfig, "")
	t.Setenv(natsembed.EnvURL, "")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	w := &labEvents{}
	n := narrate.New(w, narrate.JSON())
	r := &requests{n: n, answers: map[string][]error{}}
	w.onAct = func(title string) {
		if faults, ok := plan[title]; ok {
			r.press(faults...)
		}
	}
	require.NoError(t, Demo(ctx, n, cfg))
	r.mu.Lock()
	defer r.mu.Unlock()
	return w, n, r.answers
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
	w, n, answers := runLab(t, DefaultConfig(), map[string][]string{
		"attack: update the spec": {FaultStopHub, FaultStopHub, FaultDeleteChild},
		"attack: invalid specs":   {FaultEditChild},
	})
	events, story := w.list(), w.story()
	require.Len(t, answers[FaultStopHub], 2, story)
	assert.NoError(t, answers[FaultStopHub][0])
	assert.ErrorContains(t, answers[FaultStopHub][1], "the hub's JetStream is already down: stopped in the lab")
	require.Len(t, answers[FaultDeleteChild], 1, story)
	assert.NoError(t, answers[FaultDeleteChild][0])
	require.Len(t, answers[FaultEditChild], 1, story)
	assert.NoError(t, answers[FaultEditChild][0])

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
