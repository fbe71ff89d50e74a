package federatedlearning_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"

	federatedlearning "github.com/patternlab/patternlab/patterns/federated-learning"
)

var closedRound = regexp.MustCompile(`^\[coordinator-\d\] round (\d+): `)

// runLab runs the demo in JSON mode on an embedded server, presses the
// faults the cue names and keeps their answers under the cue's keys.
func runLab(t *testing.T, cfg federatedlearning.Config, cue labtest.Cue[string]) (string, []narrate.Event, *narrate.Narrator, map[string][]error) {
	t.Helper()
	t.Setenv(natsembed.EnvURL, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	lab, n := labtest.NewLab(cue)
	require.NoError(t, federatedlearning.Demo(ctx, n, cfg))
	answers := lab.Answers()
	return lab.Story(), lab.Events(), n, answers
}

// afterRound triggers once round r has closed.
func afterRound(r int) func(narrate.Event) bool {
	return func(ev narrate.Event) bool {
		m := closedRound.FindStringSubmatch(ev.Text)
		return m != nil && ev.Kind == narrate.KindStep && m[1] == strconv.Itoa(r)
	}
}

// onFault triggers once a FAULT line containing what is narrated: the
// fault it names has struck, so no request is pending, and its round waits.
func onFault(what string) func(narrate.Event) bool {
	return func(ev narrate.Event) bool {
		return strings.Contains(ev.Text, "FAULT: ") && strings.Contains(ev.Text, what)
	}
}

// step is one press of the lab's buttons: the faults, pressed in order the
// first time the trigger matches an event, their answers kept under key.
type step struct {
	key     string
	trigger func(narrate.Event) bool
	faults  []string
}

// press is the cue that runs the steps.
func press(steps ...step) labtest.Cue[string] {
	done := make([]bool, len(steps))
	return func(ev narrate.Event) (string, []string) {
		for i, s := range steps {
			if !done[i] && s.trigger(ev) {
				done[i] = true
				return s.key, s.faults
			}
		}
		return "", nil
	}
}

// struck finds the lab's FAULT line for what (a format with one %d, the
// round) and returns the site and the round it struck.
func struck(t *testing.T, story, what string) (string, int) {
	t.Helper()
	pattern := `\[lab\] FAULT: (site-\d+) ` + strings.Replace(regexp.QuoteMeta(what), "%d", `(\d+)`, 1)
	m := regexp.MustCompile(pattern).FindStringSubmatch(story)
	require.NotNil(t, m, "no FAULT line %q\n%s", what, story)
	round, _ := strconv.Atoi(m[2])
	return m[1], round
}

var labFault = regexp.MustCompile(`\[lab\] FAULT: (site-\d+) `)

// The lab's three buttons pressed mid-training: drop-site once round 5
// closed, straggle-site once the drop has struck, poison-update twice once
// the straggler has struck (the second refused: one a round). A request
// strikes the next round not yet broadcast when it is accepted; fault-free
// rounds take milliseconds here, so a press made as a round closes can
// land a round or more later (it did in CI, on a quiet machine). Pressing
// each fault while the previous one's round waits for its deadline makes
// the rounds exact: each strikes the round after the previous one's. The
// dropped and the straggling site's rounds close at the deadline without
// them, the straggler's late update is ignored when it comes, the trimmed
// mean outvotes the second poisoned update, and the verdict is HELD, the
// last line.
//
// Fault: loss | target: an honest site that never answers a round, requested from the lab | invariant: the round closes at its deadline without it; the audit holds
// Fault: delay | target: an honest site's update, sent four deadlines late from the lab | invariant: the round closes at its deadline without it, and the late update is not counted
// Fault: bad-input | target: an honest site's update, poisoned from the lab in a round with the compromised site | invariant: the trimmed mean brings the model back within ε of the central one
func TestLabFaultsOnDemand(t *testing.T) {
	const (
		drop     = "receives the round-%d model and never answers (requested)"
		straggle = "trains round %d, but its update leaves 8s late (requested)"
		poison   = "sends its round-%d update sign-flipped and scaled ×10 (requested)"
	)
	story, events, n, answers := runLab(t, federatedlearning.DefaultConfig(), press(
		step{"drop", afterRound(5), []string{federatedlearning.FaultDropSite}},
		step{"straggle", onFault("never answers (requested)"), []string{federatedlearning.FaultStraggleSite}},
		step{"poison", onFault("leaves 8s late (requested)"), []string{federatedlearning.FaultPoisonUpdate, federatedlearning.FaultPoisonUpdate}},
	))
	require.Len(t, answers["drop"], 1, story)
	assert.NoError(t, answers["drop"][0])
	require.Len(t, answers["straggle"], 1, story)
	assert.NoError(t, answers["straggle"][0])
	require.Len(t, answers["poison"], 2, story)
	assert.NoError(t, answers["poison"][0])

	closedWithout := func(round int, site string) {
		t.Helper()
		assert.Regexp(t, fmt.Sprintf(`\[coordinator-\d\] round %d: 7 of 8 updates, closed at the 2s deadline without %s;`, round, site), story)
	}
	dropped, dropRound := struck(t, story, drop)
	assert.Greater(t, dropRound, 5, "pressed once round 5 closed")
	closedWithout(dropRound, dropped)
	straggler, straggleRound := struck(t, story, straggle)
	assert.Equal(t, dropRound+1, straggleRound, "pressed while the drop's round waited for its deadline")
	closedWithout(straggleRound, straggler)
	assert.Regexp(t, fmt.Sprintf(`\[coordinator-\d\] ignores %s's round-%d update: `, straggler, straggleRound), story, "the late update comes and is not counted")
	_, poisonRound := struck(t, story, poison)
	assert.Equal(t, straggleRound+1, poisonRound, "pressed while the straggler's round waited for its deadline")
	assert.EqualError(t, answers["poison"][1], fmt.Sprintf("round %d already has a requested fault (poison-update): one a round", poisonRound))
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
// straggler requested while the scheduled one holds round 3 open strikes
// round 4 and holds it past its deadline too, and the verdict says VIOLATED
// for both rounds: the requested fault goes through the same audit as the
// scheduled ones. (Pressed as a fast round closes, the request could land
// rounds later, after the scheduled dropper of round 17 has stalled the
// training for good: then it never strikes.)
//
// Fault: delay | target: a straggler requested from the lab, with -round-deadline=false | invariant: broken on purpose: its round closes past the deadline and the verdict is VIOLATED for it
func TestLabStragglerWithoutTheDeadlineIsViolated(t *testing.T) {
	cfg := federatedlearning.DefaultConfig()
	cfg.RoundDeadline = false
	story, events, n, answers := runLab(t, cfg, press(step{"straggle", onFault("trained round 3 but its uplink is slow"), []string{federatedlearning.FaultStraggleSite}}))
	require.Len(t, answers["straggle"], 1, story)
	require.NoError(t, answers["straggle"][0])
	_, round := struck(t, story, "trains round %d, but its update leaves 8s late (requested)")
	assert.Equal(t, 4, round, "pressed while the scheduled straggler held round 3 open")
	last := events[len(events)-1]
	require.Equal(t, narrate.KindInvariant, last.Kind, story)
	assert.True(t, strings.HasPrefix(last.Text, "[invariant] VIOLATED"), last.Text)
	assert.Regexp(t, `round 4 closed \S+ after its broadcast: past its deadline of 2s`, last.Text)
	assert.Regexp(t, `round 3 closed \S+ after its broadcast: past its deadline of 2s`, last.Text)
	assert.False(t, n.Held())
}
