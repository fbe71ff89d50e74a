package labtest

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/narrate"
)

// The cue presses its faults in order, each answered (injected or
// refused) under its key; the injection's own FAULT line is narrated
// while the Lab is being written (pressed inline, it would deadlock on
// the narrator's lock); a cue that keeps state presses once.
func TestLabPressesFaultsOnCueAndKeepsTheAnswers(t *testing.T) {
	pressed := false
	lab, n := NewLab(func(ev narrate.Event) (int, []string) {
		if ev.Kind == narrate.KindStep && strings.HasPrefix(ev.Text, "[worker] round ") && !pressed {
			pressed = true
			return 1, []string{"kill", "kill", "nope"}
		}
		return 0, nil
	})
	kills := 0
	n.Offer("kill", "worker", "SIGKILL the worker", func() error {
		if kills > 0 {
			return errors.New("the worker is already dead")
		}
		kills++
		n.Fault("worker", "SIGKILL (requested)")
		return nil
	})
	n.Step("worker", "round 1")
	n.Step("worker", "round 2")
	answers := lab.Answers()
	n.Withdraw("kill")
	n.Invariant("x")

	require.Len(t, answers[1], 3)
	assert.NoError(t, answers[1][0])
	assert.EqualError(t, answers[1][1], "the worker is already dead")
	assert.ErrorContains(t, answers[1][2], `no fault "nope" on offer now`)
	assert.Len(t, answers, 1, "pressed once")
	assert.Equal(t, 1, kills)
	story := lab.Story()
	assert.Contains(t, story, "[worker] FAULT: SIGKILL (requested)\n")
	assert.True(t, strings.HasPrefix(story, "[worker] round 1\n"), story)
	assert.True(t, strings.HasSuffix(story, "[invariant] HELD: x\n"), story)
	evs := lab.Events()
	assert.Equal(t, narrate.KindControl, evs[0].Kind, "the offer is an event without text")
	assert.Equal(t, narrate.KindInvariant, evs[len(evs)-1].Kind)
}

// A line written in pieces is decoded once whole; a line that is no event
// is skipped; a nil cue only keeps the events.
func TestLabDecodesWholeLinesOnly(t *testing.T) {
	lab, _ := NewLab[string](nil)
	for _, p := range []string{`{"kind":"step","te`, `xt":"[a] one"}` + "\n" + "not json\n{", `"kind":"invariant","text":"[invariant] HELD: x"}` + "\n"} {
		n, err := lab.Write([]byte(p))
		require.NoError(t, err)
		assert.Equal(t, len(p), n)
	}
	assert.Equal(t, "[a] one\n[invariant] HELD: x\n", lab.Story())
	assert.Len(t, lab.Events(), 2)
	assert.Empty(t, lab.Answers())
}

// OnFirstLine presses once, at the first line that contains its text, and
// not at a later one.
func TestOnFirstLinePressesOnce(t *testing.T) {
	lab, n := NewLab(OnFirstLine("spike", "burst", "burst"))
	bursts := 0
	n.Offer("burst", "devices", "a late burst", func() error { bursts++; return nil })
	n.Step("edge", "calm")
	assert.Empty(t, lab.Answers(), "no line with the cue yet")
	n.Step("edge", "the spike starts")
	n.Step("edge", "another spike")
	answers := lab.Answers()
	assert.Equal(t, map[string][]error{"spike": {nil, nil}}, answers)
	assert.Equal(t, 2, bursts, "both presses, at the first spike only")
}

func TestOnOfferPressesWhenOffered(t *testing.T) {
	lab, n := NewLab(OnOffer("kill", "kill"))
	kills := 0
	n.Step("act", "the batch starts") // a line before the offer: nothing pressed yet
	assert.Empty(t, lab.Answers())
	n.Offer("other", "x", "another fault", func() error { return nil })
	assert.Empty(t, lab.Answers(), "another offer is no cue")
	n.Offer("kill", "worker", "kill the worker", func() error { kills++; return nil })
	assert.Equal(t, map[string][]error{"kill": {nil}}, lab.Answers(), "pressed as offered")
	n.Withdraw("kill")
	n.Offer("kill", "worker", "kill the worker", func() error { kills++; return nil })
	assert.Equal(t, map[string][]error{"kill": {nil}}, lab.Answers(), "not pressed again")
	assert.Equal(t, 1, kills, "pressed once, at the first offer")
}
