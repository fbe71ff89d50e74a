package fintech

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

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
	// The lab's button, pressed once the scheduled outage is over.
	const backUp = "[risk] back up after"
	lab, n := labtest.NewLab(labtest.OnFirstLine(backUp, "risk-down"))
	require.NoError(t, Demo(context.Background(), n, cfg))
	answers := lab.Answers()[backUp]
	require.Len(t, answers, 1, "the scheduled outage ended")
	require.NoError(t, answers[0], "the offer was taken")
	out := lab.Story()
	assert.Contains(t, out, "[risk] down on demand")
	assert.True(t, strings.HasPrefix(labtest.LastLine(out), "[invariant] HELD"), "%s", labtest.LastLine(out))
	m := regexp.MustCompile(`risk unavailable (\d+)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	refused, _ := strconv.Atoi(m[1])
	assert.Greater(t, refused, cfg.Outage, "the scheduled outage's payments and some that met the one on demand")
}
