package shop_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/patterns/saga/shop"
)

func TestThePlanRepeatsForASeed(t *testing.T) {
	a := shop.NewPlan(shop.NewOrders(20, 3), 3, 0.3)
	b := shop.NewPlan(shop.NewOrders(20, 3), 3, 0.3)
	assert.Equal(t, a, b, "same seed, same schedule")
	assert.Equal(t, shop.NewOrders(20, 3), shop.NewOrders(20, 3))
}

// Whatever the seed, the rate and the number of orders (from MinOrders),
// every scripted fault is placed, each on a saga where it can fire: the
// demo plans them all, so one that cannot fire would fail its verdict.
func TestTheScriptedFaultsArePlacedForEverySeed(t *testing.T) {
	for n := shop.MinOrders; n <= 30; n++ {
		for seed := uint64(1); seed <= 60; seed++ {
			for _, rate := range []float64{0, 0.3, 1} {
				name := fmt.Sprintf("n=%d seed=%d rate=%g", n, seed, rate)
				p := shop.NewPlan(shop.NewOrders(n, seed), seed, rate)
				require.Equal(t, shop.Charge, shop.Step(p.KillWorker.Step), name)
				require.Equal(t, p.Crash.Saga, p.KillWorker.Saga, name)
				sagas := map[string]bool{p.Crash.Saga: true, p.Cancel.Saga: true, p.Pivot.Saga: true}
				require.Len(t, sagas, 3, "%s: crash, cancel and pivot on sagas of their own", name)
				require.NotContains(t, []string{p.Cancel.Saga, p.Pivot.Saga}, p.Failing.Saga, name)

				// The pivot saga's forward steps are not declined, and its
				// book fails on every attempt but the last.
				for _, s := range shop.Forward {
					require.Empty(t, p.Fault(s.Key(p.Pivot.Saga)).Decline, name)
				}
				pivot := p.Fault(p.Pivot)
				require.Equal(t, shop.MaxForwardAttempts-1, pivot.Transient, name)
				require.Equal(t, shop.MaxForwardAttempts, pivot.LoseReply, name)
				require.Zero(t, p.Fault(p.Cancel), "%s: the delay is the cancelled charge's only fault", name)
				require.Positive(t, p.Fault(p.Failing).Transient, name)

				for _, style := range []shop.Style{shop.Choreography, shop.Orchestration} {
					got := map[shop.FaultKind]int{}
					for _, e := range p.Expected(style) {
						got[e.Kind]++
					}
					require.Positive(t, got[shop.FaultTransient], "%s %s", name, style)
					require.Positive(t, got[shop.FaultDecline], "%s %s: the failing compensation follows a decline", name, style)
					if style == shop.Choreography {
						require.Equal(t, 1, got[shop.FaultCrash], name)
						require.Positive(t, got[shop.FaultLostAck], name)
					} else {
						require.Equal(t, 1, got[shop.FaultKill], name)
						require.Equal(t, 1, got[shop.FaultDelay], name)
						require.Equal(t, 1, got[shop.FaultLostReply], name)
					}
				}
			}
		}
	}
}

func TestTooFewOrdersPlaceNoScriptedFault(t *testing.T) {
	p := shop.NewPlan(shop.NewOrders(2, 1), 1, 0.5)
	assert.Zero(t, p.Pivot)
	assert.Zero(t, p.Cancel)
}

func TestInjectFailsAsPlanned(t *testing.T) {
	p := shop.NewPlan(shop.NewOrders(8, 82), 82, 0.3)
	for attempt := 1; attempt < shop.MaxForwardAttempts; attempt++ {
		assert.Error(t, p.Inject(p.Pivot, attempt), "attempt %d", attempt)
		assert.False(t, p.LosesReply(p.Pivot, attempt))
	}
	assert.NoError(t, p.Inject(p.Pivot, shop.MaxForwardAttempts))
	assert.True(t, p.LosesReply(p.Pivot, shop.MaxForwardAttempts))
	var nilPlan *shop.Plan
	assert.False(t, nilPlan.LosesReply(p.Pivot, 1))
}
