package fintech

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

// testDay keeps the demo short in tests: the planted payments, every fault
// of the schedule and a few dozen ordinary payments around them.
var testDay = []string{"-payments=30", "-accounts=12"}

// TestSwitches runs the demo once as it is (HELD) and once per safeguard
// listed in pattern.yaml with that safeguard off: each run must end
// VIOLATED with the evidence in its last line.
func TestSwitches(t *testing.T) {
	if err := temporaldev.Available(); err != nil {
		labtest.Missing(t, err.Error())
	}
	labtest.Switches(t, Command, testDay...)
}

func FuzzFlags(f *testing.F) { labtest.FuzzFlags(f, Command) }

func TestFlagsRefuseWhatCannotRun(t *testing.T) {
	for _, args := range [][]string{
		{"-banks=3"}, {"-banks=7"}, {"-accounts=7"}, {"-outage=1"}, {"-payments=-1"},
		{"-dup-every=-2"}, {"-seed=x"}, {"-velocity=maybe"}, {"extra"},
	} {
		_, err := Command(args)
		var ue *narrate.UsageError
		assert.ErrorAs(t, err, &ue, "%v", args)
	}
	t.Setenv("NATS_URL", "nats://127.0.0.1:1")
	_, err := Command([]string{"-protect=false"})
	var ue *narrate.UsageError
	require.ErrorAs(t, err, &ue, "-protect=false needs the embedded server")
	assert.Equal(t, "protect", ue.Flag)
}
