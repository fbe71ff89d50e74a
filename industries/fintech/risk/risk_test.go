package risk

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/industries/fintech/traffic"
	"github.com/patternlab/patternlab/kit/labtest"
)

var rules = Rules{Currency: "EUR", MaxAmount: 1000_00, Blocked: map[string]bool{"charlie-0002": true}, VelocityMax: 3, VelocityWindow: 10 * time.Minute}

func req(id, payer string, at time.Duration, amount int64) Request {
	return Request{Payment: id, Instruction: traffic.Instruction{ID: id, Time: traffic.CycleDate.Add(at), Payer: payer, Payee: "bravo-0001", Amount: amount, Currency: "EUR"}}
}

func TestRules(t *testing.T) {
	s := NewScreener(rules)
	r := req("p1", "alpha-0001", time.Hour, 10_00)
	assert.True(t, s.Screen(r).Approved)
	usd := req("p2", "alpha-0001", time.Hour, 10_00)
	usd.Instruction.Currency = "USD"
	assert.Equal(t, RuleCurrency, s.Screen(usd).Rule)
	assert.Equal(t, RuleAmount, s.Screen(req("p3", "alpha-0001", time.Hour, 1000_01)).Rule)
	blocked := req("p4", "alpha-0001", time.Hour, 10_00)
	blocked.Instruction.Payee = "charlie-0002"
	d := s.Screen(blocked)
	assert.Equal(t, RuleBlocked, d.Rule)
	assert.Contains(t, d.Reason, "sanctions")
	assert.Equal(t, RuleBlocked, s.Screen(req("p5", "charlie-0002", time.Hour, 10_00)).Rule)
}

// The velocity limit is a sliding window: at most 3 approved payments in
// any 10 minutes. Refused ones do not count, and a screening asked again
// for the same payment answers the same and counts nothing twice.
//
// Fault: duplicate | target: the risk service, a screening asked again for the same payment | invariant: it answers the same and counts nothing twice toward the velocity limit
func TestVelocityIsASlidingWindow(t *testing.T) {
	s := NewScreener(rules)
	at := func(id string, min float64) Decision {
		return s.Screen(req(id, "alpha-0001", time.Duration(min*float64(time.Minute)), 10_00))
	}
	assert.True(t, at("a", 0).Approved)
	assert.True(t, at("b", 1).Approved)
	assert.True(t, at("b", 1).Approved, "asked again: the same answer")
	assert.True(t, at("c", 2).Approved, "b counted once")
	assert.Equal(t, RuleVelocity, at("d", 3).Rule, "the fourth within 10 minutes")
	assert.Equal(t, RuleVelocity, at("e", 9.9).Rule, "a at 0 is still inside the window")
	assert.True(t, at("f", 10.5).Approved, "a has left the window; d and e never counted")
	assert.Equal(t, RuleVelocity, at("g", 10.9).Rule, "b, c, f (the window is the 10 minutes up to and including now)")
	assert.True(t, at("h", 12.1).Approved, "b and c have left")
	off := NewScreener(Rules{Currency: "EUR", MaxAmount: 1000_00})
	for i := range 10 {
		assert.True(t, off.Screen(req(string(rune('a'+i)), "alpha-0001", time.Minute, 1)).Approved, "no limit when it is off")
	}
}

// The client fails closed: with the service stopped there is no decision,
// only ErrUnavailable; started again, it answers, and its journal on the
// server holds every decision it gave.
//
// Fault: failure | target: the risk service, stopped and started again | invariant: no decision while it is down, only ErrUnavailable (fail closed); its journal holds every decision it gave
func TestTheServiceDownIsNoAnswer(t *testing.T) {
	srv := labtest.NATS(t)
	nc := labtest.Conn(t, srv.ClientURL())
	ctx := context.Background()
	svc, err := NewService(ctx, nc, "RISK", "fintech", NewScreener(rules))
	require.NoError(t, err)
	c := Client{NC: labtest.Conn(t, srv.ClientURL()), Subject: svc.Subject, Timeout: time.Second}
	_, err = c.Screen(ctx, req("p1", "alpha-0001", 0, 10_00))
	assert.ErrorIs(t, err, ErrUnavailable, "not started yet")
	require.NoError(t, svc.Start())
	d, err := c.Screen(ctx, req("p1", "alpha-0001", 0, 10_00))
	require.NoError(t, err)
	assert.True(t, d.Approved)
	require.NoError(t, svc.Stop())
	assert.False(t, svc.Up())
	_, err = c.Screen(ctx, req("p2", "alpha-0001", 0, 10_00))
	assert.True(t, errors.Is(err, ErrUnavailable), "stopped: %v", err)
	require.NoError(t, svc.Start())
	defer func() { _ = svc.Stop() }()
	d, err = c.Screen(ctx, req("p3", "alpha-0001", 0, 2000_00))
	require.NoError(t, err)
	assert.False(t, d.Approved)
	js := labtest.JetStream(t, srv.ClientURL())
	journal, err := Decisions(ctx, js, "RISK")
	require.NoError(t, err)
	assert.Len(t, journal, 2, "p1 and p3; p2 was never decided")
	assert.True(t, journal["p1"].Approved)
	assert.Equal(t, RuleAmount, journal["p3"].Rule)
}
