package edgeiot

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func reading(device string, seq uint64, ts, mc int64) Reading {
	return Reading{Device: device, Seq: seq, TS: ts, TempMC: mc}
}

func TestDownsamplerEmitsAWindowWhenTheNextOpens(t *testing.T) {
	d := NewDownsampler(1000, 10)
	assert.Empty(t, d.Add(reading("m", 1, 1000, 10)))
	assert.Empty(t, d.Add(reading("m", 2, 1500, 30)))
	out := d.Add(reading("m", 3, 2000, 5))
	require.Len(t, out, 1)
	assert.Equal(t, Aggregate{Device: "m", Start: 1000, Width: 1000, Count: 2, SumMC: 40, MinMC: 10, MaxMC: 30}, out[0])
	assert.EqualValues(t, 20, out[0].MeanMC())
}

// Fault: reorder | target: the downsampler, a reading arriving after its window was emitted | invariant: the window is emitted again, corrected
func TestDownsamplerCorrectsAWindowForALateReading(t *testing.T) {
	d := NewDownsampler(1000, 10)
	d.Add(reading("m", 1, 1000, 10))
	first := d.Add(reading("m", 3, 2000, 5))
	require.Len(t, first, 1)
	late := d.Add(reading("m", 2, 1999, 50)) // resent after its window was emitted
	require.Len(t, late, 1)
	assert.Equal(t, 1, late[0].Rev)
	assert.Equal(t, 2, late[0].Count)
	assert.EqualValues(t, 50, late[0].MaxMC)
	assert.NotEqual(t, first[0].ID(), late[0].ID(), "a correction is a new message")
}

// Fault: duplicate | target: the downsampler, a redelivered reading | invariant: it is counted once
func TestDownsamplerCountsARedeliveryOnce(t *testing.T) {
	d := NewDownsampler(1000, 10)
	r := reading("m", 1, 1000, 10)
	d.Add(r)
	assert.Empty(t, d.Add(r))
	out := d.Flush()
	require.Len(t, out, 1)
	assert.Equal(t, 1, out[0].Count)
	// Once emitted, a redelivery emits nothing either.
	d.Add(reading("m", 2, 3000, 1))
	assert.Empty(t, d.Add(r))
}

func TestDownsamplerForgetsWindowsPastTheHorizon(t *testing.T) {
	d := NewDownsampler(1000, 2)
	d.Add(reading("m", 1, 1000, 1))
	d.Add(reading("m", 2, 5000, 1))
	assert.True(t, d.TooLate(reading("m", 3, 2500, 1)), "window 2000 is 3 windows behind 5000")
	assert.False(t, d.TooLate(reading("m", 4, 3000, 1)), "window 3000 is 2 behind: still open to corrections")
	assert.False(t, d.TooLate(reading("other", 1, 1, 1)), "a new device is never late")
}

func TestDownsamplerFlushEmitsOpenWindowsOnceAndThenCorrects(t *testing.T) {
	d := NewDownsampler(1000, 10)
	d.Add(reading("b", 1, 1000, 1))
	d.Add(reading("a", 1, 1000, 1))
	out := d.Flush()
	require.Len(t, out, 2)
	assert.Equal(t, "a", out[0].Device, "sorted by device")
	assert.Empty(t, d.Flush(), "nothing changed since")
	d.Add(reading("a", 2, 1100, 3))
	out = d.Flush()
	require.Len(t, out, 1)
	assert.Equal(t, 1, out[0].Rev)
	assert.Equal(t, 2, out[0].Count)
}

func TestWindowStartHandlesNegativeTimes(t *testing.T) {
	assert.EqualValues(t, -1000, windowStart(-1, 1000))
	assert.EqualValues(t, -1000, windowStart(-1000, 1000))
	assert.EqualValues(t, 0, windowStart(999, 1000))
}

// Whatever order and duplication the readings arrive in, the newest revision
// of every window the downsampler emits equals Recompute over the same
// readings: the property the hub's audit relies on.
//
// Fault: reorder | target: the downsampler, readings in any order | invariant: the newest revision of every window equals Recompute over the same readings
// Fault: duplicate | target: the downsampler, readings duplicated | invariant: the newest revision of every window equals Recompute over the same readings
func TestDownsamplerAgreesWithRecomputeInAnyOrder(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		var readings []Reading
		for dev := range 3 {
			for seq := uint64(1); seq <= 60; seq++ {
				readings = append(readings, reading(string(rune('a'+dev)), seq, int64(seq)*137, rng.Int64N(100_000)))
			}
		}
		arrivals := append([]Reading(nil), readings...)
		for i := range 40 { // duplicates
			arrivals = append(arrivals, readings[(i*31)%len(readings)])
		}
		// Mostly in order, with local shuffles: resends arrive a little late.
		for i := range arrivals {
			j := min(len(arrivals)-1, i+rng.IntN(8))
			arrivals[i], arrivals[j] = arrivals[j], arrivals[i]
		}
		d := NewDownsampler(1000, 1000)
		newest := map[WindowKey]Aggregate{}
		keep := func(aggs []Aggregate) {
			for _, a := range aggs {
				if cur, ok := newest[a.Key()]; !ok || a.Rev > cur.Rev {
					newest[a.Key()] = a
				}
			}
		}
		for _, r := range arrivals {
			keep(d.Add(r))
		}
		keep(d.Flush())
		want := Recompute(readings, 1000)
		require.Len(t, newest, len(want), "seed %d", seed)
		for k, w := range want {
			require.True(t, newest[k].SameSummary(w), "seed %d window %s: got %+v want %+v", seed, k, newest[k], w)
		}
	}
}
