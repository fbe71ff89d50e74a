package labtest

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"

	"github.com/patternlab/patternlab/kit/narrate"
)

// Cue says, for one event of the narration, which fault buttons to press
// and under which key to keep their answers; no faults, no press. The Lab
// asks it of every event in order, one at a time, so a cue may keep state
// (press only the first time, count rounds) without a lock of its own.
type Cue[K comparable] func(ev narrate.Event) (key K, faults []string)

// Lab stands in for the lab in a module's tests: it is the writer of a
// JSON-mode narrator, keeps every event the demo narrates and, when the cue
// names faults for one, presses them in order (Narrator.Inject, as the
// lab's fault buttons do through the control line) and keeps each answer
// under the cue's key. Presses run on a goroutine of their own: the
// narrator holds its lock while it writes, and an injection narrates its
// own FAULT line.
//
//	lab, n := labtest.NewLab(func(ev narrate.Event) (string, []string) {
//		if ev.Kind == narrate.KindAct && strings.Contains(ev.Text, "act 2") {
//			return "act 2", []string{FaultKillWorker}
//		}
//		return "", nil
//	})
//	require.NoError(t, Demo(ctx, n, cfg))
//	answers := lab.Answers() // waits for the presses under way
type Lab[K comparable] struct {
	n   *narrate.Narrator
	cue Cue[K]

	mu       sync.Mutex
	buf      bytes.Buffer // an unfinished line waits for the rest
	all      []narrate.Event
	answers  map[K][]error
	pressing sync.WaitGroup
}

// NewLab returns a Lab and the JSON-mode narrator that writes to it; cue
// may be nil (the Lab only keeps the events).
func NewLab[K comparable](cue Cue[K]) (*Lab[K], *narrate.Narrator) {
	l := &Lab[K]{cue: cue, answers: map[K][]error{}}
	l.n = narrate.New(l, narrate.JSON())
	return l, l.n
}

// Write decodes each whole line as an event (a line that is none is
// skipped), keeps it and presses what the cue names for it.
func (l *Lab[K]) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		line, err := l.buf.ReadBytes('\n')
		if err != nil {
			l.buf.Write(line)
			break
		}
		var ev narrate.Event
		if json.Unmarshal(line, &ev) != nil {
			continue
		}
		l.all = append(l.all, ev)
		if l.cue == nil {
			continue
		}
		if key, faults := l.cue(ev); len(faults) > 0 {
			l.pressing.Add(1)
			go l.press(key, faults)
		}
	}
	return len(p), nil
}

func (l *Lab[K]) press(key K, faults []string) {
	defer l.pressing.Done()
	for _, f := range faults {
		err := l.n.Inject(f)
		l.mu.Lock()
		l.answers[key] = append(l.answers[key], err)
		l.mu.Unlock()
	}
}

// Answers waits for the presses under way and returns their answers by
// the cue's key, in the order pressed: nil where the fault was injected,
// the refusal otherwise.
func (l *Lab[K]) Answers() map[K][]error {
	l.pressing.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[K][]error, len(l.answers))
	for k, errs := range l.answers {
		out[k] = append([]error(nil), errs...)
	}
	return out
}

// Events returns the events written so far.
func (l *Lab[K]) Events() []narrate.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]narrate.Event(nil), l.all...)
}

// Story returns the text of the events written so far, one line each: what
// the demo prints in text mode.
func (l *Lab[K]) Story() string {
	var b strings.Builder
	for _, ev := range l.Events() {
		if ev.Text != "" {
			b.WriteString(ev.Text + "\n")
		}
	}
	return b.String()
}

// OnFirstLine is a Cue that presses faults, in order, once: when the first
// line containing sub is narrated. Their answers are kept under sub.
func OnFirstLine(sub string, faults ...string) Cue[string] {
	pressed := false
	return func(ev narrate.Event) (string, []string) {
		if pressed || !strings.Contains(ev.Text, sub) {
			return "", nil
		}
		pressed = true
		return sub, faults
	}
}

// OnOffer is a Cue that presses faults, in order, once: when the fault
// offer is first offered, as a learner presses a button the moment it is
// enabled. Their answers are kept under offer. A cue on a line narrated
// just before the demo offers the fault would race with the offer.
func OnOffer(offer string, faults ...string) Cue[string] {
	pressed := false
	return func(ev narrate.Event) (string, []string) {
		if pressed || ev.Kind != narrate.KindControl || ev.Fields["offer"] != offer {
			return "", nil
		}
		pressed = true
		return offer, faults
	}
}
