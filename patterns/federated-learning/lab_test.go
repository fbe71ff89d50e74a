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

// runLab runs the demo in JSON mode on an embedded server; once round r
// closes it presses the faults plan[r] names, in order, and keeps their
// answers.
func runLab(t *testing.T, cfg federatedlearning.Config, plan map[int][]string) (string, []narrate.Event, *narrate.Narrator, map[int][]error) {
	t.Helper()
	t.Setenv(natsembed.EnvURL, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	lab, n := labtest.NewLab(func(ev narrate.Event) (int, []string) {
		if m := closedRound.FindStringSubmatch(ev.Text); m != nil && ev.Kind == narrate.KindStep {
			round, _ := strconv.Atoi(m[1])
			return round, plan[round]
		}
		return 0, nil
	})
	require.NoError(t, federatedlearning.Demo(ctx, n, cfg))
	answers := lab.Answers()
	return lab.Story(), lab.Events(), n, answers
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
