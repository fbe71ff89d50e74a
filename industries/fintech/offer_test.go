package fintech

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

// onCue is the narration's writer that takes the risk service down on
// demand, as the lab's fault button does, once the scheduled outage is
// over.
type onCue struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	n    *narrate.Narrator
	done chan error
	once sync.Once
}

func (w *onCue) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.Contains(p, []byte("[risk] back up after")) {
		// Inject takes the narrator's lock, which this write holds.
		w.once.Do(func() { go func() { w.done <- w.n.Inject("risk-down") }() })
	}
	return w.buf.Write(p)
}

// A learner takes the risk service down a second time, on demand: the
// payments that meet it are refused as risk-unavailable too, and the day
// still holds.
//
// Fault: failure | target: the risk service, taken down on demand a second time | invariant: payments that meet it are refused as risk-unavailable; the day still holds
func TestTheRiskServiceDownOnDemandFailsClosed(t *testing.T) {
	if err := temporaldev.Available(); err != nil {
		labtest.Missing(t, err.Error())
	}
	cfg := DefaultConfig()
	cfg.Payments, cfg.Accounts = 30, 12
	w := &onCue{done: make(chan error, 1)}
	w.n = narrate.New(w)
	err := Demo(context.Background(), w.n, cfg)
	require.NoError(t, err)
	require.NoError(t, <-w.done, "the offer was taken")
	out := w.buf.String()
	assert.Contains(t, out, "[risk] down on demand")
	assert.True(t, strings.HasPrefix(labtest.LastLine(out), "[invariant] HELD"), "%s", labtest.LastLine(out))
	m := regexp.MustCompile(`risk unavailable (\d+)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	refused, _ := strconv.Atoi(m[1])
	assert.Greater(t, refused, cfg.Outage, "the scheduled outage's payments and some that met the one on demand")
}
