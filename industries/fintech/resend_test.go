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
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/temporaldev"

	"github.com/patternlab/patternlab/industries/fintech/traffic"
)

var resentFault = regexp.MustCompile(`FAULT: (\S+) sends instruction (\S+) again \(requested in the lab\): the office takes it in at seq \d+`)

func resendOnDemand(t *testing.T, cfg Config) (*narrate.Narrator, []narrate.Event, string) {
	t.Helper()
	if err := temporaldev.Available(); err != nil {
		labtest.Missing(t, err.Error())
	}
	// The lab's button, pressed once the office has taken in its first
	// ordinary instruction (the one it resends, or a later ordinary one if
	// the press comes late on a loaded machine: a planted case, refused
	// anyway, would show nothing paid twice; flake-hunt saw that when the
	// button resent whatever came last).
	resendable := traffic.Generate(cfg.dayConfig()).Resendable
	arrived := false
	lab, n := labtest.NewLab(func(ev narrate.Event) (string, []string) {
		id, _ := ev.Fields["id"].(string)
		if ev.Kind == narrate.KindMessage && ev.Fields["to"] == "office" && resendable[id] && !arrived {
			arrived = true
			return "arrival", []string{FaultResendInstruction}
		}
		return "", nil
	})
	require.NoError(t, Demo(context.Background(), n, cfg))
	answers := lab.Answers()["arrival"]
	require.Len(t, answers, 1, "an instruction arrived at the office")
	require.NoError(t, answers[0], "resend-instruction is on offer while the office takes messages in")
	assert.ErrorContains(t, n.Inject(FaultResendInstruction), "no fault", "withdrawn once the day's intake is over")
	all := lab.Events()
	var id string
	for _, ev := range all {
		if m := resentFault.FindStringSubmatch(ev.Text); ev.Kind == narrate.KindFault && m != nil {
			require.Empty(t, id, "one resend, one FAULT line")
			id = m[2]
			assert.True(t, resendable[id], "the button resends an ordinary instruction, not %s", id)
			assert.NotNil(t, ev.Fields["planned"], "planned when accepted, fired when the office took it in")
		}
	}
	require.NotEmpty(t, id, "the resent instruction arrived and was narrated")
	require.Equal(t, narrate.KindInvariant, all[len(all)-1].Kind, "the verdict is the last event")
	return n, all, id
}

// The lab's "resend instruction" button: the payer's bank sends an
// instruction the office already took in once more; the office takes it
// in (its FAULT line), the payment key absorbs it (the audit counts one
// more resend absorbed among one more message), and the day holds.
//
// Fault: duplicate | target: an instruction the office took in, resent by its bank when the lab's button asks | invariant: one more message accounted for, the payment key absorbs it, the verdict is HELD
func TestResendAnInstructionOnDemandIsAbsorbed(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Payments, cfg.Accounts = 30, 12
	n, all, _ := resendOnDemand(t, cfg)
	var sent, accounted []string
	for _, ev := range all {
		if m := regexp.MustCompile(`in (\d+) messages with the resends`).FindStringSubmatch(ev.Text); m != nil {
			sent = m
		}
		if m := regexp.MustCompile(`^\[check\] accounted: (\d+) messages: \d+ payments \+ (\d+) resends absorbed .*: ok$`).FindStringSubmatch(ev.Text); m != nil {
			accounted = m
		}
	}
	require.NotNil(t, sent)
	require.NotNil(t, accounted, "the accounted check passed")
	assert.Equal(t, atoi(t, sent[1])+1, atoi(t, accounted[1]), "the resend is one more message than the banks sent, accounted for")
	assert.Positive(t, atoi(t, accounted[2]))
	verdict := all[len(all)-1]
	assert.True(t, strings.HasPrefix(verdict.Text, "[invariant] HELD"), verdict.Text)
	assert.True(t, n.Held(), "failures: %v", n.Failures())
}

// With -idempotency=false (and no scheduled resends, so the resend on
// request is the only one), the resent instruction becomes a second
// payment, and the verdict names it as applied twice.
//
// Fault: duplicate | target: an instruction resent from the lab, with -idempotency=false and no scheduled resends | invariant: broken on purpose: the verdict is VIOLATED, naming that instruction as paid twice
func TestResendOnDemandWithoutIdempotencyPaysTwice(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Payments, cfg.Accounts, cfg.DupEvery = 30, 12, 0
	cfg.Idempotency = false
	n, all, id := resendOnDemand(t, cfg)
	verdict := all[len(all)-1]
	assert.True(t, strings.HasPrefix(verdict.Text, "[invariant] VIOLATED"), verdict.Text)
	assert.Contains(t, verdict.Text, id+" applied twice or more: paid 2 times")
	assert.False(t, n.Held())
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	v, err := strconv.Atoi(s)
	require.NoError(t, err)
	return v
}
