package plant_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/industries/manufacturing/plant"
)

func TestDefaultFloorIsValid(t *testing.T) {
	f := plant.DefaultFloor()
	require.NoError(t, f.Validate())
	assert.Len(t, f.Machines(""), 12)
	assert.Len(t, f.Machines("plant-b"), 6)
	assert.Equal(t, 96, f.IntervalsPerShift())
	p, l, m, ok := f.Where("b-l2-m3")
	require.True(t, ok)
	assert.Equal(t, "plant-b", p.ID)
	assert.Equal(t, "b-l2", l.ID)
	assert.Equal(t, "b-l2-m3", m.ID)
}

func TestFloorValidateRefusesBadLayouts(t *testing.T) {
	f := plant.NewFloor(1, 1, 1, 8*time.Hour, 7*time.Minute)
	assert.Error(t, f.Validate(), "a shift that is not whole intervals")
	f = plant.NewFloor(1, 1, 2, time.Hour, 5*time.Minute)
	f.Plants[0].Lines[0].Machines[1].ID = f.Plants[0].Lines[0].Machines[0].ID
	assert.Error(t, f.Validate(), "a machine twice")
}

func TestShiftOf(t *testing.T) {
	f := plant.DefaultFloor()
	per := uint64(f.IntervalsPerShift())
	assert.Equal(t, 0, f.ShiftOf(f.IntervalStart(1)))
	assert.Equal(t, 0, f.ShiftOf(f.IntervalStart(per)))
	assert.Equal(t, 1, f.ShiftOf(f.IntervalStart(per+1)))
	assert.Equal(t, -1, f.ShiftOf(plant.Epoch.UnixMilli()-1))
}

func run(f plant.Floor, b plant.Behaviour, id string, n int) []plant.Reading {
	_, _, m, _ := f.Where(id)
	s := plant.NewMachine(f, m, b)
	out := make([]plant.Reading, n)
	for i := range out {
		out[i] = s.Next()
	}
	return out
}

func TestSameSeedSameReadings(t *testing.T) {
	f := plant.DefaultFloor()
	a := run(f, plant.DefaultBehaviour(7), "a-l2-m1", 300)
	assert.Equal(t, a, run(f, plant.DefaultBehaviour(7), "a-l2-m1", 300))
	assert.NotEqual(t, a, run(f, plant.DefaultBehaviour(8), "a-l2-m1", 300))
}

// Every simulated reading is one the edge accepts, and survives the wire.
func TestSimulatedReadingsDecode(t *testing.T) {
	f := plant.DefaultFloor()
	states := map[plant.State]int{}
	for _, m := range f.Machines("") {
		for _, r := range run(f, plant.DefaultBehaviour(3), m.ID, 3*f.IntervalsPerShift()) {
			got, err := plant.Decode(m.ID, r.Encode())
			require.NoError(t, err, "%+v", r)
			assert.Equal(t, r, got)
			states[r.State]++
		}
	}
	assert.Positive(t, states[plant.Running])
	assert.Positive(t, states[plant.Idle])
	assert.Positive(t, states[plant.Down])
}

func TestWornBearingSeizesUnlessStopped(t *testing.T) {
	f := plant.DefaultFloor()
	b := plant.DefaultBehaviour(1)
	b.Breakdown, b.Starve = 0, 0
	b.Wear = map[string]uint64{"a-l1-m1": 10}
	rs := run(f, b, "a-l1-m1", 60)
	assert.Less(t, rs[8].VibUM, int64(3000), "healthy before the wear")
	assert.Greater(t, rs[12].VibUM, rs[10].VibUM+4000, "vibration climbs interval after interval")
	seized := 10 + b.SeizeAfter
	assert.Equal(t, plant.Down, rs[seized-1].State, "seized SeizeAfter intervals into the wear")
	assert.Equal(t, plant.Down, rs[seized-1+b.SeizedFor-1].State)
	assert.Equal(t, plant.Running, rs[seized-1+b.SeizedFor].State)
	assert.Less(t, rs[seized-1+b.SeizedFor].VibUM, int64(3000), "rebuilt")
}

func TestStopHaltsUntilRepaired(t *testing.T) {
	f := plant.DefaultFloor()
	b := plant.DefaultBehaviour(1)
	b.Breakdown, b.Starve = 0, 0
	b.Wear = map[string]uint64{"a-l1-m1": 10}
	_, _, m, _ := f.Where("a-l1-m1")
	s := plant.NewMachine(f, m, b)
	for range 11 {
		s.Next()
	}
	require.True(t, s.Stop("stop-1"))
	assert.False(t, s.Stop("stop-1"), "a copy of the command changes nothing")
	assert.False(t, s.Stop("stop-2"), "a second stop before the first took effect changes nothing")
	for i := range b.RepairFor {
		r := s.Next()
		assert.Equal(t, plant.Stopped, r.State, "interval %d of the repair", i)
		assert.Zero(t, r.Count)
		assert.False(t, i < b.RepairFor-1 && s.Stop("stop-3"), "a stop during the repair changes nothing")
	}
	assert.False(t, s.Stop("stop-1"), "a late copy after the repair is obeyed no more")
	r := s.Next()
	assert.Equal(t, plant.Running, r.State)
	assert.Less(t, r.VibUM, int64(3000), "the repair replaced the bearing")
	assert.Equal(t, 1, s.Stops())
}

// Fault: bad-input | target: the strict decoder, with every flaw of the flooding firmware | invariant: an InvalidError with its reason for each
func TestGarbageIsRefusedWithItsReason(t *testing.T) {
	for i, flaw := range plant.Flaws {
		payload, got := plant.Garbage("b-l2-m3", i, plant.Epoch.UnixMilli())
		assert.Equal(t, flaw, got)
		_, err := plant.Decode("b-l2-m3", payload)
		var inv *plant.InvalidError
		require.ErrorAs(t, err, &inv, flaw)
		assert.True(t, errors.Is(err, plant.ErrInvalid))
		assert.NotEmpty(t, inv.Reason)
	}
	a, _ := plant.Garbage("b-l2-m3", 0, 0)
	b, _ := plant.Garbage("b-l2-m3", len(plant.Flaws), 0)
	assert.NotEqual(t, a, b, "every malformed payload is different bytes")
}

func TestDecodeRefuses(t *testing.T) {
	ok := plant.Reading{Machine: "a-l1-m1", Seq: 1, TS: 1, MS: 300_000, State: plant.Running, Count: 10, Good: 9, TempMC: 60_000, VibUM: 2_000}
	cases := map[string]func(r *plant.Reading){
		"seq 0":           func(r *plant.Reading) { r.Seq = 0 },
		"zero interval":   func(r *plant.Reading) { r.MS = 0 },
		"parts when down": func(r *plant.Reading) { r.State = plant.Down },
		"too many parts":  func(r *plant.Reading) { r.Count, r.Good = 301, 1 },
		"negative count":  func(r *plant.Reading) { r.Count, r.Good = -1, -1 },
		"too hot":         func(r *plant.Reading) { r.TempMC = plant.MaxTempMC + 1 },
		"shaking apart":   func(r *plant.Reading) { r.VibUM = plant.MaxVibUM + 1 },
	}
	_, err := plant.Decode("a-l1-m1", ok.Encode())
	require.NoError(t, err)
	for name, spoil := range cases {
		r := ok
		spoil(&r)
		_, err := plant.Decode("a-l1-m1", r.Encode())
		assert.ErrorIs(t, err, plant.ErrInvalid, name)
	}
	_, err = plant.Decode("a-l1-m2", ok.Encode())
	assert.ErrorIs(t, err, plant.ErrInvalid, "another machine's topic")
}

// Whatever the bytes, Decode returns a valid reading that encodes back to
// itself, or an *InvalidError; it never panics.
func FuzzDecode(f *testing.F) {
	ok := plant.Reading{Machine: "a-l1-m1", Seq: 1, TS: 1, MS: 300_000, State: plant.Running, Count: 10, Good: 9, TempMC: 60_000, VibUM: 2_000}
	f.Add(ok.Encode())
	for i := range plant.Flaws {
		p, _ := plant.Garbage("a-l1-m1", i, 1)
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		r, err := plant.Decode("a-l1-m1", payload)
		if err != nil {
			var inv *plant.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("error %v is not an *InvalidError", err)
			}
			return
		}
		again, err := plant.Decode("a-l1-m1", r.Encode())
		if err != nil || again != r {
			t.Fatalf("accepted %+v does not survive its own encoding: %v", r, err)
		}
	})
}
