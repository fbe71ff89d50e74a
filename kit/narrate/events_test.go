package narrate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func story(n *Narrator) {
	n.Act("act 1")
	n.Step("producer", "sent %d", 3)
	n.Message("producer", "consumer", "work", "m-1")
	n.Sample("queue depth", 2, "msgs")
	n.Measure("consumer", "p99 %s", "3ms")
	f := n.Plan("consumer", "crash")
	f.Fire("crashes")
	n.Check("c", true, "d")
	n.Invariant("x")
}

func events(t *testing.T, out string) []Event {
	t.Helper()
	var evs []Event
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var e Event
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e), "line %q", sc.Text())
		evs = append(evs, e)
	}
	return evs
}

// Text mode is exactly the story it always was: Message and Sample exist
// only as events.
func TestTextModeIgnoresMessagesAndSamples(t *testing.T) {
	var out bytes.Buffer
	story(New(&out))
	assert.Equal(t, "== act 1 ==\n[producer] sent 3\n[consumer] p99 3ms\n[consumer] FAULT: crashes\n[check] c: d: ok\n[invariant] HELD: x\n", out.String())
}

func TestJSONModeWritesOneEventPerLine(t *testing.T) {
	var out bytes.Buffer
	story(New(&out, JSON()))
	evs := events(t, out.String())
	var kinds, texts []string
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
		texts = append(texts, e.Text)
		assert.False(t, e.Time.IsZero())
	}
	assert.Equal(t, []string{"act", "step", "message", "sample", "measure", "fault", "check", "invariant"}, kinds)
	assert.Equal(t, []string{"== act 1 ==", "[producer] sent 3", "", "", "[consumer] p99 3ms", "[consumer] FAULT: crashes", "[check] c: d: ok", "[invariant] HELD: x"}, texts)
	assert.Equal(t, map[string]any{"from": "producer", "to": "consumer", "what": "work", "id": "m-1"}, evs[2].Fields)
	assert.Equal(t, "queue depth", evs[3].Fields["series"])
	require.NotNil(t, evs[7].OK)
	assert.True(t, *evs[7].OK)
}

// The verdict rules hold in JSON mode: a message after the invariant does
// not count as a line, a failed check makes the last event VIOLATED.
func TestJSONModeVerdict(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), &out, &errOut, func(_ context.Context, n *Narrator) error {
		n.Invariant("x")
		n.Message("a", "b", "late", "1")
		n.Check("late", false, "d")
		return nil
	}, JSON())
	assert.Equal(t, ExitViolated, code)
	evs := events(t, out.String())
	last := evs[len(evs)-1]
	assert.Equal(t, KindInvariant, last.Kind)
	assert.False(t, *last.OK)
	assert.Equal(t, "[invariant] VIOLATED: failed checks: late", last.Text)
}

// A control line injects an offered fault; an unknown one, or one that
// cannot be injected now, is answered with the reason and changes nothing.
func TestControlLinesInjectOfferedFaults(t *testing.T) {
	var out bytes.Buffer
	n := New(&out, JSON())
	crashed := 0
	n.Offer("crash-consumer", "consumer", "SIGKILL the consumer", func() error {
		crashed++
		n.Fault("consumer", "crashed on request")
		return nil
	})
	n.Offer("stall", "consumer", "stall the consumer", func() error { return errors.New("the consumer is not running") })
	n.serveControl(strings.NewReader("fault nope\nfault stall\n\nbogus\nfault crash-consumer\n"))
	n.Withdraw("crash-consumer")
	assert.Error(t, n.Inject("crash-consumer"), "a withdrawn offer cannot be injected")
	assert.Equal(t, 1, crashed)

	var results []string
	for _, e := range events(t, out.String()) {
		if e.Kind == KindControl && e.Fields["request"] != nil {
			r := e.Fields["request"].(string)
			if e.Fields["ok"] == true {
				results = append(results, r+": ok")
			} else {
				results = append(results, r+": "+e.Fields["error"].(string))
			}
		}
	}
	require.Len(t, results, 4)
	assert.Equal(t, `fault nope: no fault "nope" on offer now (on offer: crash-consumer, stall)`, results[0])
	assert.Equal(t, "fault stall: the consumer is not running", results[1])
	assert.Contains(t, results[2], `unknown control "bogus"`)
	assert.Equal(t, "fault crash-consumer: ok", results[3])
}

// Exec serves control lines while the demo runs.
func TestExecServesControl(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	var out bytes.Buffer
	code := Exec(context.Background(), nil, &out, io.Discard, func([]string) (Demo, error) {
		return func(_ context.Context, n *Narrator) error {
			injected := make(chan struct{})
			n.Offer("kill", "worker", "SIGKILL the worker", func() error { close(injected); return nil })
			go func() { _, _ = io.WriteString(pw, "fault kill\n") }()
			select {
			case <-injected:
			case <-time.After(10 * time.Second):
				t.Error("the control line did not reach the demo")
			}
			n.Withdraw("kill")
			n.Invariant("x")
			return nil
		}, nil
	}, JSON(), Control(pr))
	assert.Equal(t, ExitHeld, code)
}

// A fault requested as the demo ends is answered before the verdict, which
// stays the last line; a request read after the verdict is not answered.
func TestControlAnswersComeBeforeTheVerdict(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	var out bytes.Buffer
	started := make(chan struct{})
	code := Exec(context.Background(), nil, &out, io.Discard, func([]string) (Demo, error) {
		return func(_ context.Context, n *Narrator) error {
			n.Offer("kill", "worker", "SIGKILL the worker", func() error {
				close(started)
				time.Sleep(300 * time.Millisecond) // the demo returns meanwhile
				return nil
			})
			go func() { _, _ = io.WriteString(pw, "fault kill\n") }()
			<-started
			n.Invariant("x")
			return nil
		}, nil
	}, JSON(), Control(pr))
	assert.Equal(t, ExitHeld, code)
	_, _ = io.WriteString(pw, "fault kill\n") // read after the verdict: no answer
	time.Sleep(50 * time.Millisecond)

	evs := events(t, out.String())
	last := evs[len(evs)-1]
	assert.Equal(t, KindInvariant, last.Kind, "the verdict is the last line")
	assert.Equal(t, "[invariant] HELD: every invariant stated above held", last.Text, "restated after the answer")
	answers := 0
	for _, e := range evs {
		if e.Kind == KindControl && e.Fields["request"] == "fault kill" {
			answers++
			assert.Equal(t, true, e.Fields["ok"])
		}
	}
	assert.Equal(t, 1, answers)
}

// A control line longer than 64 KiB is answered with an error and the
// lines after it are still served; a line of exactly 64 KiB is read whole.
func TestControlLineTooLongIsRefusedAndTheNextServed(t *testing.T) {
	var out bytes.Buffer
	n := New(&out, JSON())
	crashed := 0
	n.Offer("crash-consumer", "consumer", "SIGKILL the consumer", func() error { crashed++; return nil })
	atLimit := "fault crash-consumer" + strings.Repeat(" ", 64*1024-len("fault crash-consumer"))
	tooLong := "fault " + strings.Repeat("x", 64*1024)
	n.serveControl(strings.NewReader(atLimit + "\n" + tooLong + "\n" + "fault crash-consumer\n" + tooLong))

	var answers []Event
	for _, e := range events(t, out.String()) {
		if e.Kind == KindControl && e.Fields["request"] != nil {
			answers = append(answers, e)
		}
	}
	require.Len(t, answers, 4, "one answer per line, the long ones too")
	assert.Equal(t, "fault crash-consumer", answers[0].Fields["request"], "a line of exactly 64 KiB is read whole")
	assert.Equal(t, true, answers[0].Fields["ok"])
	for _, i := range []int{1, 3} {
		assert.Equal(t, false, answers[i].Fields["ok"], "answer %d", i)
		assert.Equal(t, "control line longer than 64 KiB: not read (want \"fault <name>\")", answers[i].Fields["error"], "answer %d", i)
		assert.Less(t, len(answers[i].Fields["request"].(string)), 100, "the answer names the line by its start only")
		assert.True(t, strings.HasPrefix(answers[i].Fields["request"].(string), "fault xxx"), answers[i].Fields["request"])
	}
	assert.Equal(t, "fault crash-consumer", answers[2].Fields["request"], "the line after a long one is served")
	assert.Equal(t, true, answers[2].Fields["ok"])
	assert.Equal(t, 2, crashed)
}
