package demorun

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The first demo's line says how long after `make demo` started it came
// (CI's log measures a newcomer's wait with it); later demos say nothing.
func TestOnlyTheFirstDemoSaysHowLongItsWaitWas(t *testing.T) {
	firstDemo = true
	t.Setenv(EnvStart, strconv.FormatInt(time.Now().Add(-95*time.Second).Unix(), 10))
	first := sinceStart()
	assert.Regexp(t, `^ \(the first demo, 1m3[4-7]s after make demo started\)$`, first)
	assert.Empty(t, sinceStart(), "the second demo")

	firstDemo = true
	t.Setenv(EnvStart, "yesterday")
	assert.Empty(t, sinceStart(), "a start that is not a time says nothing rather than a wrong wait")
}

func TestDemoNamedSaysWhichDemosExist(t *testing.T) {
	mods := []string{"patterns/backpressure", "patterns/saga", "industries/fintech"}
	m, err := demoNamed(mods, "saga")
	require.NoError(t, err)
	assert.Equal(t, "patterns/saga", m)
	m, err = demoNamed(mods, "industries/fintech")
	require.NoError(t, err)
	assert.Equal(t, "industries/fintech", m)
	_, err = demoNamed(mods, "sagas")
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), `no demo named "sagas"`) && strings.Contains(err.Error(), "backpressure, saga, fintech"), err.Error())
}
