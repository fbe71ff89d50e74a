package edge_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/industries/manufacturing/edge"
	"github.com/patternlab/patternlab/industries/manufacturing/plant"
)

// Three weeks of healthy machines, every machine of both plants: the rule
// never fires (a false stop costs a line its availability).
func TestHealthyMachinesAreNeverStopped(t *testing.T) {
	f := plant.DefaultFloor()
	for _, seed := range []uint64{1, 2, 3} {
		b := plant.DefaultBehaviour(seed)
		b.Wear = nil
		d := edge.NewDetector(edge.DefaultRule())
		for _, m := range f.Machines("") {
			s := plant.NewMachine(f, m, b)
			for range 21 * f.IntervalsPerShift() {
				r := s.Next()
				a, ok := d.Check(r)
				require.False(t, ok, "seed %d: a healthy %s stopped at %d: %+v", seed, m.ID, r.Seq, a)
			}
		}
	}
}

// A wearing bearing is caught on its first worn reading, long before it
// would seize, and by its vibration.
func TestWearIsCaughtOnItsFirstReading(t *testing.T) {
	f := plant.DefaultFloor()
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		b := plant.DefaultBehaviour(seed)
		d := edge.NewDetector(edge.DefaultRule())
		for id, from := range b.Wear {
			_, _, m, _ := f.Where(id)
			s := plant.NewMachine(f, m, b)
			var caught *edge.Anomaly
			for range int(from) + b.SeizeAfter {
				if a, ok := d.Check(s.Next()); ok {
					caught = &a
					break
				}
			}
			require.NotNil(t, caught, "seed %d: %s's wear from %d never caught", seed, id, from)
			assert.Equal(t, "vibration", caught.Signal)
			assert.GreaterOrEqual(t, caught.Reading.Seq, from, "seed %d: not before the wear", seed)
			assert.LessOrEqual(t, caught.Reading.Seq, from+1, "seed %d: %s caught at %d, wear from %d", seed, id, caught.Reading.Seq, from)
			assert.GreaterOrEqual(t, caught.Z(), 6.0)
		}
	}
}

// A redelivered copy of the anomalous reading is not a second anomaly.
func TestACopyIsJudgedOnce(t *testing.T) {
	d := edge.NewDetector(edge.DefaultRule())
	r := plant.Reading{Machine: "a-l1-m1", State: plant.Running, MS: 300_000, TempMC: 60_000, VibUM: 2_200}
	for i := range 30 {
		r.Seq = uint64(i + 1)
		r.VibUM = 2_200 + int64(i%3)*100
		_, ok := d.Check(r)
		require.False(t, ok)
	}
	r.Seq, r.VibUM = 31, 9_000
	_, ok := d.Check(r)
	require.True(t, ok)
	_, ok = d.Check(r)
	assert.False(t, ok, "the same reading again")
}

func TestRuleValidate(t *testing.T) {
	assert.NoError(t, edge.DefaultRule().Validate())
	bad := edge.DefaultRule()
	bad.Alpha = 1
	assert.Error(t, bad.Validate())
}
