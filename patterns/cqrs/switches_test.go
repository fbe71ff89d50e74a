package cqrs

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
)

// TestSwitches runs the demo once as it is (HELD) and once per safeguard
// listed in pattern.yaml with that safeguard off: each run must end
// VIOLATED with the evidence in its last line. The burst is the Example's:
// every scheduled fault still fires in it.
func TestSwitches(t *testing.T) {
	labtest.Switches(t, Command, "-operations=60", "-second-burst=12", "-crash-after=3", "-ack-wait=200ms")
}

func FuzzFlags(f *testing.F) { labtest.FuzzFlags(f, Command) }

func TestFlagsRefuseWhatCannotRun(t *testing.T) {
	for _, args := range [][]string{
		{"-crash-after=12", "-second-burst=12"},
		{"-accounts=2"},
		{"-ack-wait=1ms"},
		{"-operations=NaN"},
		{"-operations=20001"},
		{"-dedupe=maybe"},
		{"extra"},
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

// The "caught up N ms after the crash" measurement used to start its clock
// when the demo noticed the crash, after the whole burst had been written,
// so it left out the time the read side had been down. The clock now starts
// at the crash itself, stamped by the crash switch as it kills the process:
// with a long burst and a crash on its first event, the crash comes well
// before the burst ends, and the lag is measured from it.
func TestCrashClockStartsAtTheCrash(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SecondBurst, cfg.CrashAfter, cfg.AckWait = 60, 1, 200*time.Millisecond
	ctx := context.Background()
	d, err := setUp(ctx, narrate.New(io.Discard), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { d.tearDown(ctx) })
	require.NoError(t, d.openAccounts(ctx))
	require.NoError(t, d.projectorCrash(ctx))

	r := d.recovery
	require.False(t, r.crashed.IsZero())
	assert.Equal(t, d.crash.point().when, r.crashed, "the clock starts at the crash switch's stamp")
	assert.True(t, r.crashed.Before(r.burstDone), "the crash (%s) comes before the end of the burst (%s)", r.crashed, r.burstDone)
	assert.Equal(t, r.caughtUp.Sub(r.crashed), r.sinceCrash())
	assert.Greater(t, r.sinceCrash(), r.caughtUp.Sub(r.burstDone), "the lag includes the time the burst took after the crash")
}
