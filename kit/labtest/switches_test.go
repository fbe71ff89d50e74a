package labtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
)

// toy is a demo with one safeguard: de-duplication of a redelivered message.
func toy(args []string) (narrate.Demo, error) {
	dedupe, n := true, 3
	s := demoflag.New("toy")
	s.Bool(&dedupe, "dedupe", "drop messages already applied")
	s.Int(&n, "n", 1, 100, "messages")
	if err := s.Parse(args); err != nil {
		return nil, err
	}
	return func(_ context.Context, nr *narrate.Narrator) error {
		applied := map[int]int{}
		redeliver := nr.Plan("broker", "redeliver message 1")
		for i := 0; i < n; i++ {
			applied[i]++
		}
		redeliver.Fire("redelivers message 1")
		if !dedupe || applied[1] == 0 {
			applied[1]++
		}
		var v []string
		for id, c := range applied {
			if c > 1 {
				v = append(v, fmt.Sprintf("message %d applied twice", id))
			}
		}
		nr.Invariant("every message applied once", v...)
		return nil
	}, nil
}

func TestSwitchesRunsEachSwitchOfPatternYAML(t *testing.T) {
	switchesIn(t, "testdata/pattern.yaml", toy, "-n=5")
}

func TestJudgeSwitchRefusesAHeldOrSilentRun(t *testing.T) {
	sw := Switch{Flag: "-dedupe=false", Breaks: "dedupe", Evidence: "applied twice"}
	assert.Error(t, judgeSwitch(sw, "[invariant] HELD: x\n", 0), "a switch that changes nothing")
	assert.Error(t, judgeSwitch(sw, "[invariant] VIOLATED: x: lost\n", 1), "violated without the evidence")
	assert.Error(t, judgeSwitch(sw, "[invariant] VIOLATED: x: applied twice\n", 2), "exit status disagrees")
	assert.Error(t, judgeSwitch(sw, "[invariant] VIOLATED: x: applied twice\n[demo] bye\n", 1), "verdict not last")
	assert.NoError(t, judgeSwitch(sw, "[a] b\n[invariant] VIOLATED: x: message 1 applied twice\n", 1))
	assert.Error(t, judgeBaseline("[invariant] VIOLATED: x\n", 1))
	assert.NoError(t, judgeBaseline("[invariant] HELD: x\n", 0))
}

func TestFlagNamesReadsTheHelp(t *testing.T) {
	assert.Equal(t, []string{"dedupe", "n"}, FlagNames(t, toy))
}

func TestReadSwitches(t *testing.T) {
	sw, err := ReadSwitches("testdata/pattern.yaml")
	require.NoError(t, err)
	assert.Equal(t, []Switch{{Flag: "-dedupe=false", Breaks: "de-duplication by message ID", Evidence: "applied twice"}}, sw)
}

func FuzzToyFlags(f *testing.F) { FuzzFlags(f, toy) }
