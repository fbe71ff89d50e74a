package backpressure

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// smallOverload is a quick 10x overload for tests: 1,500 messages for a
// consumer of 20,000 msg/s.
func smallOverload() Workload {
	return Workload{Messages: 1500, ServiceRate: 20_000, Overload: 10, PayloadSize: 256, Seed: 1}
}

func TestRunMeasuresEveryStrategyTheSameWay(t *testing.T) {
	const capacity = 32
	w := smallOverload()
	bound := MemoryBound(capacity, w.PayloadSize)
	for _, k := range strategyKinds() {
		t.Run(k.name, func(t *testing.T) {
			s := k.new(t, capacity)
			if k.name == NameShedding {
				s = NewShedder(capacity, w.ServiceRate, capacity/4) // admit at μ
			}
			r, err := Run(t.Context(), s, w)
			require.NoError(t, err)
			a := r.Audit
			assert.Empty(t, a.Violations(), "exactly once or shed")
			assert.Equal(t, w.Messages, a.Offered)
			assert.Equal(t, a.Offered, a.Accepted+a.Shed)
			assert.Equal(t, a.Accepted, a.Processed)
			assert.Len(t, a.Latencies, a.Processed)
			assert.Positive(t, r.Goodput())
			assert.Positive(t, r.Elapsed)
			assert.Positive(t, a.Percentile(0.99))
			switch k.onFull {
			case accepts:
				assert.Greater(t, r.Peaks.Backlog, capacity, "the unbounded queue outgrows any B")
			case blocks:
				assert.LessOrEqual(t, r.Peaks.Backlog, capacity+1, "B queued, one in the consumer's hands")
				assert.Zero(t, a.Shed)
				assert.Positive(t, r.MaxLag, "a blocked producer falls behind its schedule")
			case sheds:
				assert.LessOrEqual(t, r.Peaks.Backlog, capacity+1)
				assert.Positive(t, a.ShedBy[ShedRateLimited], "a 10x producer meets the rate limiter")
			}
			if k.onFull != accepts {
				assert.LessOrEqual(t, r.HeapGrowth(), bound, "live heap +%s, bound %s", MiB(r.HeapGrowth()), MiB(bound))
			}
		})
	}
}

func TestRunRejectsABadWorkload(t *testing.T) {
	for _, w := range []Workload{
		{Messages: 0, PayloadSize: 64},
		{Messages: 1, PayloadSize: 3},
		{Messages: 1, PayloadSize: 64, ServiceRate: -1},
		{Messages: 1, PayloadSize: 64, ServiceRate: 10, Overload: 0},
	} {
		_, err := Run(t.Context(), NewUnboundedBuffer(), w)
		assert.ErrorIs(t, err, ErrBadWorkload, "%+v", w)
	}
}

func TestUnpacedWorkloadRunsFlatOut(t *testing.T) {
	w := Workload{Messages: 500, PayloadSize: 64, Seed: 1}
	assert.True(t, w.ArrivalRate() > 1e300, "no service rate: the producer is not paced")
	r, err := Run(t.Context(), NewBoundedChannel(16), w)
	require.NoError(t, err)
	assert.Equal(t, 500, r.Audit.Processed)
	assert.Zero(t, r.MaxLag)
}

func TestArrivalsFollowTheirRate(t *testing.T) {
	w := Workload{Messages: 1, ServiceRate: 1000, Overload: 2, PayloadSize: 64, Seed: 9}
	a := newArrivals(w, time.Now().Add(-time.Hour)) // far behind: next never waits
	const n = 20_000
	for range n {
		_, err := a.next(t.Context())
		require.NoError(t, err)
	}
	mean := a.due.Seconds() / n
	assert.InDelta(t, 1/w.ArrivalRate(), mean, 0.03/w.ArrivalRate(), "mean gap of a Poisson process of rate λ is 1/λ")
}

// A strategy's own count cannot testify to its own bound. The shedder with
// its admission off still says it queues at most B, and its channel really
// holds nothing, while everything piles up behind it: the ledger's backlog
// shows it.
func TestRunMeasuresTheBacklogFromOutsideTheStrategy(t *testing.T) {
	const capacity = 16
	s := NewShedderWithoutAdmission(capacity)
	r, err := Run(t.Context(), s, smallOverload())
	require.NoError(t, err)
	assert.Equal(t, capacity, r.Capacity, "it claims B")
	assert.Zero(t, r.OwnPeak, "and its own count never moves")
	assert.Greater(t, r.Peaks.Backlog, 10*capacity, "the ledger saw the backlog pile up")
	assert.Empty(t, r.Audit.Violations(), "nothing lost: it just holds everything")
}

// The dropping channel keeps its bound and loses work: Offer says accepted,
// the message is gone. Only the receiver's audit finds it.
func TestTheDroppingChannelLosesAcceptedMessages(t *testing.T) {
	r, err := Run(t.Context(), NewDroppingChannel(16), smallOverload())
	require.NoError(t, err)
	assert.LessOrEqual(t, r.OwnPeak, 16, "its own queue stays within B")
	assert.Positive(t, r.Audit.LostCount, "accepted messages never processed")
	assert.Zero(t, r.Audit.Shed, "and none of them counted as shed")
}
