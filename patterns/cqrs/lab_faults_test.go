package cqrs

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
)

// onBurst is the narration's writer that injects faults, as the lab's
// buttons do, as soon as act 3's burst starts.
type onBurst struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	n      *narrate.Narrator
	faults []string
	done   chan error
	once   sync.Once
}

func (w *onBurst) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.Contains(p, []byte("[ledger] sending ")) {
		// Inject takes the narrator's lock, which this write holds.
		w.once.Do(func() {
			go func() {
				var errs []error
				for _, f := range w.faults {
					errs = append(errs, w.n.Inject(f))
				}
				w.done <- errorsJoin(errs)
			}()
		})
	}
	return w.buf.Write(p)
}

func (w *onBurst) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func errorsJoin(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func runWithFaults(t *testing.T, cfg Config, faults ...string) (*narrate.Narrator, string) {
	t.Helper()
	w := &onBurst{faults: faults, done: make(chan error, 1)}
	w.n = narrate.New(w)
	require.NoError(t, Demo(context.Background(), w.n, cfg))
	require.NoError(t, <-w.done, "the faults were on offer during the burst")
	for _, f := range faults {
		assert.ErrorContains(t, w.n.Inject(f), "no fault", "%s is withdrawn once act 3's burst is over", f)
	}
	return w.n, w.String()
}

var withheldSeq = regexp.MustCompile(`FAULT: the balances projector applied seq (\d+) \(([a-z]+) v\d+, [^)]*\) and its ack is withheld \(requested in the lab\)`)

// The lab's buttons during act 3's burst: restart-server stops and starts
// the embedded nats-server between two commands (the writer and the
// projectors reconnect, the log comes back from disk), and redeliver
// withholds the balances projector's next ack (the server delivers the
// event again, the version guard skips it). Each has its FAULT line, its
// effect is checked, and the verdict, the last line, still holds.
//
// Fault: crash | target: the embedded nats-server, stopped and restarted on its file store mid-burst when the lab's button asks | invariant: the stream holds as many events after as before, and the verdict is HELD
// Fault: duplicate | target: the balances projector's ack withheld when the lab's button asks, so the server delivers the event again | invariant: the event came back and the version guard skipped it: the verdict is HELD
func TestRestartServerAndRedeliverOnDemand(t *testing.T) {
	cfg := smallerDay()
	n, out := runWithFaults(t, cfg, FaultRestartServer, FaultRedeliver)
	assert.Contains(t, out, "FAULT: nats-server stops and starts again on its file store (requested in the lab)")
	assert.Regexp(t, `\[nats\] back on the same port; the writer reconnected, the stream holds (\d+) events as before it stopped \((\d+)\)`, out)
	assert.Regexp(t, `\[check\] restart kept the log: .*: ok`, out)
	m := withheldSeq.FindStringSubmatch(out)
	require.NotNil(t, m, out)
	assert.Regexp(t, `\[check\] redelivered on request: the server delivered seq `+m[1]+`, whose ack the lab withheld, again: ok`, out)
	last := labtest.LastLine(out)
	assert.True(t, strings.HasPrefix(last, "[invariant] HELD"), last)
	assert.True(t, n.Held(), "failures: %v", n.Failures())
}

// With -version-guard=false, the event whose ack the lab withheld is
// projected twice when the server delivers it again, and the verdict
// names it among the redelivered events of that account's row.
//
// Fault: duplicate | target: a redelivery requested from the lab, with -version-guard=false | invariant: broken on purpose: the verdict is VIOLATED, naming that event as projected twice
func TestRedeliverOnDemandWithoutTheVersionGuardIsViolated(t *testing.T) {
	cfg := smallerDay()
	cfg.VersionGuard = false
	n, out := runWithFaults(t, cfg, FaultRedeliver)
	m := withheldSeq.FindStringSubmatch(out)
	require.NotNil(t, m, out)
	last := labtest.LastLine(out)
	require.True(t, strings.HasPrefix(last, "[invariant] VIOLATED"), last)
	assert.Regexp(t, m[2]+` live [^;)]*: the redelivered seqs? [0-9, ]*\b`+m[1]+`\b[0-9, ]* \([^)]*\) projected twice`, last)
	assert.False(t, n.Held())
}

// smallerDay is the default run with a shorter burst and payroll: long
// enough for the faults to land mid-burst, short enough that the rebuild's
// replay stays well inside the store's 10 s bound for one read of the log
// on a loaded machine (the default run's 544 events replayed at 78 events/s
// there, 6.9 s, with no fault at all).
func smallerDay() Config {
	cfg := DefaultConfig()
	cfg.Operations, cfg.SecondBurst, cfg.CrashAfter = 250, 12, 3
	return cfg
}
