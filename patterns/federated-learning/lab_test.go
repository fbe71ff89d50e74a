package federatedlearning_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"

	federatedlearning "github.com/patternlab/patternlab/patterns/federated-learning"
)

// labEvents collects a JSON-mode narration and calls onClosed (on its own
// goroutine: the narrator's lock is held while it writes) each time a
// coordinator narrates a closed round.
type labEvents struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	all      []narrate.Event
	onClosed func(round int)
	pressing sync.WaitGroup
}

var closedRound = regexp.MustCompile(`^\[coordinator-\d\] round (\d+): `)

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
		if m := closedRound.FindStringSubmatch(ev.Text); m != nil && ev.Kind == narrate.KindStep && e.onClosed != nil {
			round, _ := strconv.Atoi(m[1])
			e.pressing.Add(1)
			go func() { defer e.pressing.Done(); e.onClosed(round) }()
		}
	}
	return len(p), nil
}

func (e *labEvents) story() (string, []narrate.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	for _, ev := range e.all {
		if ev.Text != "" {
			b.WriteString(ev.Text + "\n")
		}
	}
	return b.String(), append([]narrate.Event(nil), e.all...)
}

// runLab runs the demo in JSON mode on an embedded server; once round r
// closes it presses the faults plan[r] names, in order, and keeps their
// answers.
func runLab(t *testing.T, cfg federatedlearning.Config, plan map[int][]string) (string, []narrate.Event, *narrate.Narrator, map[int][]error) {
	t.Helper()
	t.Setenv(natsembed.EnvURL, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	w := &labEvents{}
	n := narrate.New(w, narrate.JSON())
	var mu sync.Mutex
	answers := map[int][]error{}
	w.onClosed = func(round int) {
		for _, f := range plan[round] {
			err := n.Inject(f)
			mu.Lock()
			answers[round] = append(answers[round], err)
			mu.Unlock()
		}
	}
	require.NoError(t, federatedlearning.Demo(ctx, n, cfg))
	w.pressing.Wait()
	story, events := w.story()
	mu.Lock()
	defer mu.Unlock()
	return story, events, n, answers
}

var labFault = regexp.MustCompile(`\[lab\] FAULT: (site-\d+) `)

// The lab's three buttons pressed mid-training: drop-site once round 5
// closed, straggle-site once round 7 closed, poison-update twice once round
// 9 closed (the second refused: one a round). Each strikes the next round
// on an honest site, with its FAULT line; the dropped and the straggling
// site's rounds close at the deadline without them, the straggler's late
// update is ignored when it comes, the trimmed mean outvotes the second
// poisoned update, and the verdict is HELD, the last line.
//
// Fault: loss | target: an honest site that never answers a round, requested from the lab | invariant: the round closes at its deadline without it; the audit holds
// Fault: delay | target: an honest site's update, sent four deadlines late from the lab | invariant: the round closes at its deadline without it, and the late update is not counted
// Fault: bad-input | target: an honest site's update, poisoned from the lab in a round with the compromised site | invariant: the trimmed mean brings the model back within ε of the central one
func TestLabFaultsOnDemand(t *testing.T) {
	story, events, n, answers := runLab(t, federatedlearning.DefaultConfig(), map[int][]string{
		5: {federatedlearning.FaultDropSite},
		7: {federatedlearning.FaultStraggleSite},
		9: {federatedlearning.FaultPoisonUpdate, federatedlearning.FaultPoisonUpdate},
	})
	require.Len(t, answers[5], 1, story)
	assert.NoError(t, answers[5][0])
	require.Len(t, answers[7], 1, story)
	assert.NoError(t, answers[7][0])
	require.Len(t, answers[9], 2, story)
	assert.NoError(t, answers[9][0])
	assert.EqualError(t, answers[9][1], "round 10 already has a requested fault (poison-update): one a round")

	site := func(round int, what string) string {
		m := regexp.MustCompile(`\[lab\] FAULT: (site-\d+) ` + regexp.QuoteMeta(fmt.Sprintf(what, round))).FindStringSubmatch(story)
		require.NotNil(t, m, "round %d: %s\n%s", round, what, story)
		return m[1]
	}
	dropped := site(6, "receives the round-%d model and never answers (requested)")
	assert.Regexp(t, `\[coordinator-1\] round 6: 7 of 8 updates, closed at the 2s deadline without `+dropped+`;`, story)
	straggler := site(8, "trains round %d, but its update leaves 8s late (requested)")
	assert.Regexp(t, `\[coordinator-1\] round 8: 7 of 8 updates, closed at the 2s deadline without `+straggler+`;`, story)
	assert.Regexp(t, `\[coordinator-\d\] ignores `+straggler+`'s round-8 update: `, story, "the late update comes and is not counted")
	site(10, "sends its round-%d update sign-flipped and scaled ×10 (requested)")
	// The poisoned round's accuracy is logged, not asserted: whether it
	// falls below the round before depends on which honest updates made
	// that round's deadline (it did in 2 of 3 quiet runs, in 0 of 3 beside
	// other tests); what the trimmed mean guarantees, the model back within
	// ε of the central one, is the verdict's check.
	t.Log(regexp.MustCompile(`\[auditor\] accuracy by round: .*`).FindString(story))
	assert.Len(t, labFault.FindAllString(story, -1), 3, story)

	last := events[len(events)-1]
	assert.Equal(t, narrate.KindInvariant, last.Kind, story)
	assert.True(t, strings.HasPrefix(last.Text, "[invariant] HELD: "), last.Text)
	assert.True(t, n.Held(), "failures: %v", n.Failures())
	assert.ErrorContains(t, n.Inject(federatedlearning.FaultDropSite), "on offer now", "nothing on offer once the training is over")
}

// With -round-deadline=false a round waits for every selected site: a
// straggler requested for round 6 holds it past its deadline, and the
// verdict says VIOLATED for that round (the scheduled straggler's is round
// 3): the requested fault goes through the same audit as the scheduled ones.
//
// Fault: delay | target: a straggler requested from the lab, with -round-deadline=false | invariant: broken on purpose: its round closes past the deadline and the verdict is VIOLATED for it
func TestLabStragglerWithoutTheDeadlineIsViolated(t *testing.T) {
	cfg := federatedlearning.DefaultConfig()
	cfg.RoundDeadline = false
	story, events, n, answers := runLab(t, cfg, map[int][]string{5: {federatedlearning.FaultStraggleSite}})
	require.Len(t, answers[5], 1, story)
	require.NoError(t, answers[5][0])
	assert.Regexp(t, `\[lab\] FAULT: site-\d+ trains round 6, but its update leaves 8s late \(requested\)`, story)
	last := events[len(events)-1]
	require.Equal(t, narrate.KindInvariant, last.Kind, story)
	assert.True(t, strings.HasPrefix(last.Text, "[invariant] VIOLATED"), last.Text)
	assert.Regexp(t, `round 6 closed \S+ after its broadcast: past its deadline of 2s`, last.Text)
	assert.False(t, n.Held())
}
