package oee_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/industries/manufacturing/oee"
	"github.com/patternlab/patternlab/industries/manufacturing/plant"
)

// One machine, one hour of four 15-minute intervals, worked by hand: run
// 45 of 60 minutes (A = 75 %), 80 parts of an ideal 30 s cycle in 45
// minutes (P = 40/45), 76 good (Q = 95 %).
func TestOEEByHand(t *testing.T) {
	f := plant.NewFloor(1, 1, 1, time.Hour, 15*time.Minute)
	f.Plants[0].Lines[0].Machines[0].IdealCycle = 30 * time.Second
	m := "a-l1-m1"
	rs := []plant.Reading{
		{Machine: m, Seq: 1, State: plant.Running, Count: 30, Good: 29},
		{Machine: m, Seq: 2, State: plant.Down},
		{Machine: m, Seq: 3, State: plant.Running, Count: 25, Good: 23},
		{Machine: m, Seq: 4, State: plant.Running, Count: 25, Good: 24},
	}
	for i := range rs {
		rs[i].TS, rs[i].MS = f.IntervalStart(rs[i].Seq), 15*60_000
	}
	got, err := oee.Recompute(f, rs)
	require.NoError(t, err)
	tot := got[oee.Key{Line: "a-l1", Shift: 0}]
	assert.Equal(t, oee.Totals{Readings: 4, PlannedMS: 3_600_000, RunMS: 2_700_000, IdealMS: 2_400_000, GoodMS: 2_280_000, Count: 80, Good: 76}, tot)
	assert.InDelta(t, 0.75, tot.Availability(), 1e-12)
	assert.InDelta(t, 40.0/45, tot.Performance(), 1e-12)
	assert.InDelta(t, 0.95, tot.Quality(), 1e-12)
	assert.InDelta(t, tot.Availability()*tot.Performance()*tot.Quality(), tot.OEE(), 1e-12)
	assert.Equal(t, "OEE 63.3% (A 75.0% × P 88.9% × Q 95.0%)", tot.String())
}

func shiftOfReadings(t *testing.T, f plant.Floor, shifts int) []plant.Reading {
	t.Helper()
	var rs []plant.Reading
	for _, m := range f.Machines("") {
		s := plant.NewMachine(f, m, plant.DefaultBehaviour(11))
		for range shifts * f.IntervalsPerShift() {
			rs = append(rs, s.Next())
		}
	}
	return rs
}

// The hub's book sees readings out of order and some of them several times
// (a redelivery, a catch-up that resends): with dedupe it ends with the
// same totals as the recomputation, without it the copies show.
// Fault: duplicate | target: the OEE book, two shifts of readings with 50 copies | invariant: with dedupe the book equals the recomputation; without it differs
// Fault: reorder | target: the OEE book, the same readings shuffled | invariant: the book equals the recomputation whatever the order
func TestBookDedupesCopiesInAnyOrder(t *testing.T) {
	f := plant.DefaultFloor()
	rs := shiftOfReadings(t, f, 2)
	want, err := oee.Recompute(f, rs)
	require.NoError(t, err)
	require.Len(t, want, 8, "4 lines × 2 shifts")

	rng := rand.New(rand.NewPCG(1, 2))
	delivered := append([]plant.Reading(nil), rs...)
	for range 50 {
		delivered = append(delivered, rs[rng.IntN(len(rs))])
	}
	rng.Shuffle(len(delivered), func(i, j int) { delivered[i], delivered[j] = delivered[j], delivered[i] })

	live := oee.NewBook(f, true)
	for _, r := range delivered {
		_, err := live.Add(r)
		require.NoError(t, err)
	}
	assert.Empty(t, oee.Diff(want, live.Totals()))
	assert.Equal(t, 50, live.Copies())

	naive := oee.NewBook(f, false)
	for _, r := range delivered {
		_, err := naive.Add(r)
		require.NoError(t, err)
	}
	diff := oee.Diff(want, naive.Totals())
	assert.NotEmpty(t, diff)
	assert.Contains(t, diff[0], "readings, want")
}

func TestDiffNamesMissingAndUnexpected(t *testing.T) {
	a := map[oee.Key]oee.Totals{{Line: "a-l1", Shift: 0}: {Readings: 1, PlannedMS: 1}}
	b := map[oee.Key]oee.Totals{{Line: "a-l1", Shift: 1}: {Readings: 1, PlannedMS: 1}}
	d := oee.Diff(a, b)
	require.Len(t, d, 2)
	assert.Contains(t, d[0], "a-l1 shift 1: missing")
	assert.Contains(t, d[1], "a-l1 shift 2: OEE")
	assert.Contains(t, d[1], "none expected")
}

func TestBookRefusesStrangers(t *testing.T) {
	f := plant.DefaultFloor()
	b := oee.NewBook(f, true)
	_, err := b.Add(plant.Reading{Machine: "z-l1-m1", Seq: 1, TS: f.IntervalStart(1), MS: 1})
	assert.Error(t, err)
	_, err = b.Add(plant.Reading{Machine: "a-l1-m1", Seq: 1, TS: plant.Epoch.UnixMilli() - 1, MS: 1})
	assert.Error(t, err)
}

// The simulated plant runs a believable OEE: world-class lines are around
// 85 %, typical ones 60 %; these machines should be in between, and no
// term can exceed 1.
func TestSimulatedOEEIsPlausible(t *testing.T) {
	f := plant.DefaultFloor()
	got, err := oee.Recompute(f, shiftOfReadings(t, f, 3))
	require.NoError(t, err)
	for k, tot := range got {
		for name, v := range map[string]float64{"A": tot.Availability(), "P": tot.Performance(), "Q": tot.Quality()} {
			assert.True(t, v > 0.5 && v <= 1 && !math.IsNaN(v), "%v: %s = %v", k, name, v)
		}
		assert.Greater(t, tot.OEE(), 0.4, "%v", k)
		assert.Less(t, tot.OEE(), 0.95, "%v", k)
	}
}
