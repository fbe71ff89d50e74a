package workflow_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/workflow"
)

func FuzzFlags(f *testing.F) { labtest.FuzzFlags(f, workflow.Command) }

// Combinations that cannot work are usage errors naming the flag, before
// anything starts.
func TestFlagCombinationsThatCannotWork(t *testing.T) {
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"-records=20000", "-fanout=2"}, "records"},                                            // a Temporal partition too big
		{[]string{"-records=20000", "-latency=100ms", "-fanout=4"}, "latency"},                          // hours of scoring
		{[]string{"-latency=100ms", "-fanout=2", "-ackwait=1s"}, "ackwait"},                             // redelivered while analyzed
		{[]string{"-latency=100ms", "-attempts=10", "-heartbeat=2s", "-engines=temporal"}, "heartbeat"}, // silent longer than the timeout
		{[]string{"-bounded=false", "-engines=nats"}, "bounded"},
		{[]string{"-ack-after-publish=false", "-crash=false"}, "ack-after-publish"},
		{[]string{"-retry=false", "-engines=goroutines,nats"}, "retry"},
		{[]string{"-engines=goroutines,goroutines"}, "engines"},
		{[]string{"-dir=flags_test.go"}, "dir"},
	} {
		_, err := workflow.Command(c.args)
		var ue *narrate.UsageError
		require.ErrorAs(t, err, &ue, "%v", c.args)
		assert.Equal(t, c.flag, ue.Flag, "%v: %v", c.args, err)
	}
	_, err := workflow.Command([]string{"-records=20000", "-fanout=4", "-latency=0"})
	assert.NoError(t, err, "the largest input is fine when it fits")
}
