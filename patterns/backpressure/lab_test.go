package backpressure_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/backpressure"
)

// labRun runs the demo in JSON mode as the lab does, with a control channel:
// the nth time (1 is the first) the demo offers fault, the learner presses
// it. It returns the events and the exit status.
func labRun(t *testing.T, fault string, nth int, args ...string) ([]narrate.Event, int) {
	t.Helper()
	ctrlR, ctrlW := io.Pipe()
	out := &eventLog{press: func(e narrate.Event) bool { return e.Kind == narrate.KindControl && e.Fields["offer"] == fault }, nth: nth,
		pressed: func() {
			// not from the writer: the narrator's lock is held while it writes
			go func() { _, _ = fmt.Fprintf(ctrlW, "fault %s\n", fault) }()
		}}
	code := narrate.Exec(context.Background(), append(append([]string(nil), smallRun...), args...), out, io.Discard,
		backpressure.Command, narrate.JSON(), narrate.Control(ctrlR))
	_ = ctrlW.Close()
	return out.all(), code
}

// eventLog decodes the JSON lines the demo writes.
type eventLog struct {
	mu      sync.Mutex
	buf     strings.Builder
	events  []narrate.Event
	press   func(narrate.Event) bool
	nth     int
	seen    int
	pressed func()
}

func (l *eventLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	rest := l.buf.String()
	for strings.Contains(rest, "\n") {
		line, after, _ := strings.Cut(rest, "\n")
		rest = after
		var e narrate.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			return 0, fmt.Errorf("not a JSON event: %q: %w", line, err)
		}
		l.events = append(l.events, e)
		if l.press(e) {
			if l.seen++; l.seen == l.nth {
				l.pressed()
			}
		}
	}
	l.buf.Reset()
	l.buf.WriteString(rest)
	return len(p), nil
}

func (l *eventLog) all() []narrate.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]narrate.Event(nil), l.events...)
}

// after returns the index of the first event from i on that matches, or -1.
func after(events []narrate.Event, i int, match func(narrate.Event) bool) int {
	for ; i >= 0 && i < len(events); i++ {
		if match(events[i]) {
			return i
		}
	}
	return -1
}

func texts(events []narrate.Event) string {
	var b strings.Builder
	for _, e := range events {
		if e.Text != "" {
			b.WriteString(e.Text + "\n")
		}
	}
	return b.String()
}

// A crash pressed in the lab: the demo answers ok, a FAULT line follows, the
// message it processed and never acked is redelivered, a check says so, and
// the verdict is HELD. First in the JetStream overload act (the first
// offer), then in the crash act (the second).
//
// Fault: crash | target: the JetStream consumer, when the lab's button asks (overload act and crash act) | invariant: the message it processed and never acked is redelivered, and the verdict is HELD
func TestLabCrashConsumerOnDemand(t *testing.T) {
	for _, act := range []struct {
		name string
		nth  int
		acts string // the act's title starts so
	}{{"overload act", 1, "4/4 jetstream-pull"}, {"crash act", 2, "fault: the JetStream consumer crashes"}} {
		t.Run(act.name, func(t *testing.T) {
			events, code := labRun(t, backpressure.FaultCrashConsumer, act.nth, "-catch-up=false")
			story := texts(events)
			require.Equal(t, narrate.ExitHeld, code, story)

			open := after(events, 0, func(e narrate.Event) bool {
				return e.Kind == narrate.KindAct && strings.HasPrefix(e.Text, "== "+act.acts)
			})
			require.GreaterOrEqual(t, open, 0, story)
			ok := after(events, open, func(e narrate.Event) bool {
				return e.Kind == narrate.KindControl && e.Fields["request"] == "fault crash-consumer" && e.Fields["ok"] == true
			})
			require.GreaterOrEqual(t, ok, 0, "the demo accepts the request in the act:\n%s", story)
			fault := after(events, open, func(e narrate.Event) bool {
				return e.Kind == narrate.KindFault && strings.Contains(e.Text, "then crashed before acking it (requested in the lab)")
			})
			require.GreaterOrEqual(t, fault, 0, story)
			id, err := strconv.Atoi(regexp.MustCompile(`processed message (\d+)`).FindStringSubmatch(events[fault].Text)[1])
			require.NoError(t, err)
			redelivered := after(events, fault, func(e narrate.Event) bool {
				return e.Kind == narrate.KindMessage && e.Fields["what"] == "redelivery" && e.Fields["id"] == fmt.Sprintf("#%d", id)
			})
			assert.GreaterOrEqual(t, redelivered, 0, "message %d is redelivered after the requested crash:\n%s", id, story)
			assert.Contains(t, story, fmt.Sprintf("message %d, processed and never acked at the crash requested in the lab, was delivered again: ok", id))
			assert.Contains(t, story, "takes over durable")
			last := events[len(events)-1]
			assert.Equal(t, narrate.KindInvariant, last.Kind)
			assert.True(t, *last.OK, last.Text)
		})
	}
}

// A stall pressed in the lab: the FAULT line, the consumer back after it,
// and the verdict HELD (the inbox skips what the stall got redelivered).
//
// Fault: pause | target: the consumer, stalled when the lab's button asks | invariant: the consumer comes back, the inbox skips what was redelivered, the verdict is HELD
func TestLabStallConsumerOnDemand(t *testing.T) {
	events, code := labRun(t, backpressure.FaultStallConsumer, 2, "-catch-up=false")
	story := texts(events)
	require.Equal(t, narrate.ExitHeld, code, story)
	assert.Regexp(t, `\[consumer\] FAULT: consumer-\d+ stops for 600ms holding message \d+ \(requested in the lab\), longer than AckWait`, story)
	assert.Regexp(t, `\[consumer-\d+\] back after the stall, with message \d+`, story)
	assert.True(t, strings.HasPrefix(events[len(events)-1].Text, "[invariant] HELD"), story)
}

// With the inbox turned off, a requested crash has the message processed
// twice, and the verdict says so: the fault on demand goes through the same
// checks as the scheduled one.
func TestLabCrashWithoutInboxIsViolated(t *testing.T) {
	events, code := labRun(t, backpressure.FaultCrashConsumer, 1, "-catch-up=false", "-inbox=false")
	story := texts(events)
	require.Equal(t, narrate.ExitViolated, code, story)
	assert.Contains(t, story, "(requested in the lab)")
	last := events[len(events)-1].Text
	assert.Contains(t, last, "[invariant] VIOLATED")
	assert.Regexp(t, `jetstream-pull: \d+ messages processed more than once`, last) // the overload act's, where the request was: not only the crash act's
}

// Text mode offers nothing and prints no lab event: the story is the
// Example's.
func TestLabNothingInTextMode(t *testing.T) {
	var out strings.Builder
	code := narrate.Exec(context.Background(), append(append([]string(nil), smallRun...), "-strategies=bounded-channel"), &out, io.Discard,
		backpressure.Command, narrate.HideMeasurements())
	require.Equal(t, narrate.ExitHeld, code, out.String())
	assert.NotContains(t, out.String(), "{")
	assert.NotContains(t, out.String(), "lab")
}
