//go:build integration

package federatedlearning_test

import (
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"

	federatedlearning "github.com/patternlab/patternlab/patterns/federated-learning"
)

// Every switch in pattern.yaml turns a safeguard off, and the demo must then
// end VIOLATED with the evidence; without a switch it holds. The defaults
// are the attack: a poisoned site in every round, a straggler, a replay, a
// crash, a dropout.
//
// It runs six whole demos on embedded servers (about 45 s unloaded, 20 s of
// them the -round-deadline=false run, which waits 4·D for the straggler and
// 6·D for the dropped site), so it is in the integration tier, which CI
// runs; the unit tier's Example runs the whole story once.
func TestIntegrationSwitchesMakeTheDemoFail(t *testing.T) {
	labtest.Switches(t, federatedlearning.Command)
}
