package history

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memLog is an in-memory versioned log; stale makes its loads read a copy
// refreshed only every few appends, the way a lagging replica would.
type memLog struct {
	mu       sync.Mutex
	events   map[string][]string
	snapshot map[string][]string
	stale    bool
	appends  int
}

func (l *memLog) append(agg string, expected int, events []string) Outcome {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events[agg]) != expected {
		return Conflict
	}
	l.events[agg] = append(slices.Clip(l.events[agg]), events...)
	if l.appends++; l.appends%4 == 0 || !l.stale {
		l.snapshot = map[string][]string{}
		for k, v := range l.events {
			l.snapshot[k] = v
		}
	}
	return OK
}

func (l *memLog) load(agg string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stale {
		return l.snapshot[agg]
	}
	return l.events[agg]
}

// drive runs clients that load, then append at the version they loaded,
// recording every call.
func drive(l *memLog) *Recorder {
	r := NewRecorder()
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Go(func() {
			for i := range 25 {
				agg := fmt.Sprintf("acct-%d", i%2)
				call := r.Begin(c, LogInput{Aggregate: agg, Load: true})
				seen := l.load(agg)
				call.End(LogOutput{Outcome: OK, Events: seen})
				in := LogInput{Aggregate: agg, Expected: len(seen), Events: []string{fmt.Sprintf("c%d-%d", c, i)}}
				call = r.Begin(c, in)
				call.End(LogOutput{Outcome: l.append(agg, in.Expected, in.Events)})
			}
		})
	}
	wg.Wait()
	return r
}

func TestRecorderLinearizable(t *testing.T) {
	r := drive(&memLog{events: map[string][]string{}})
	total, lost := r.Len()
	require.Equal(t, 200, total)
	require.Zero(t, lost)
	Require(t, VersionedLog, r)
}

// TestRecorderCatchesStaleReads: a log whose loads lag its appends is caught
// from the outside, by the history alone.
func TestRecorderCatchesStaleReads(t *testing.T) {
	r := drive(&memLog{events: map[string][]string{}, snapshot: map[string][]string{}, stale: true})
	v, err := Check(VersionedLog, r.Operations(), 10*time.Second, t.TempDir(), t.Name())
	require.NoError(t, err)
	assert.Equal(t, porcupine.Illegal, v.Result)
	assert.FileExists(t, v.Visualization)
}

func TestLostCallStaysOpen(t *testing.T) {
	r := NewRecorder()
	c := r.Begin(3, LogInput{Aggregate: "a"})
	c.Note("timeout after %s", "2s")
	c.Lost(LogOutput{Outcome: Unknown})
	c.End(LogOutput{Outcome: OK}) // a second outcome is ignored
	ops := r.Operations()
	require.Len(t, ops, 1)
	assert.Equal(t, Open, ops[0].Return)
	assert.Equal(t, 3, ops[0].ClientId)
	assert.Equal(t, "timeout after 2s", ops[0].Metadata)
	assert.Equal(t, Unknown, ops[0].Output.(LogOutput).Outcome)
	_, lost := r.Len()
	assert.Equal(t, 1, lost)
}

func TestResolve(t *testing.T) {
	ops := []porcupine.Operation{
		appendOp(0, 0, 10, "acct", 0, OK, "a"),
		appendOp(1, 20, Open, "acct", 1, Unknown, "b"),
		appendOp(2, 30, Open, "acct", 1, Unknown, "c"),
	}
	final := map[string]bool{"a": true, "b": true}
	got := Resolve(ops, func(op porcupine.Operation) (Settled, bool) {
		if final[op.Input.(LogInput).Events[0]] {
			return Settled{Output: LogOutput{Outcome: OK}}, true
		}
		return Settled{Output: LogOutput{Outcome: Failed}, NoEffect: true}, true
	})
	assert.Equal(t, ops[0], got[0], "a returned operation is left alone")
	assert.Equal(t, OK, got[1].Output.(LogOutput).Outcome)
	assert.Equal(t, Open, got[1].Return, "it took effect, when is still unknown")
	assert.Equal(t, Failed, got[2].Output.(LogOutput).Outcome)
	assert.Equal(t, int64(30), got[2].Return, "closed at its call")
	assert.Equal(t, Unknown, ops[1].Output.(LogOutput).Outcome, "the input is not changed")
	assert.True(t, porcupine.CheckOperations(VersionedLog, got), "b landed after a, c never did")
}
