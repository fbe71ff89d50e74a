package federatedlearning_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fl "github.com/patternlab/patternlab/patterns/federated-learning"
)

// Fault: bad-input | target: the update decoder: foreign sites, wrong shapes, absurd sample counts and weights | invariant: each is refused as foreign or malformed, so the coordinator can dead-letter it
func TestDecodeUpdateRefusesWhatNoSiteSends(t *testing.T) {
	roster := fl.Roster(3)
	ok := func(mut func(*fl.Update)) []byte {
		u := fl.Update{Round: 2, Site: "site-1", Samples: 10, Weights: make([]float64, fl.Dim)}
		if mut != nil {
			mut(&u)
		}
		b, err := json.Marshal(u)
		require.NoError(t, err)
		return b
	}
	for _, c := range []struct {
		name    string
		data    []byte
		subject string
		want    error
	}{
		{"truncated", ok(nil)[:20], "site-1", fl.ErrMalformed},
		{"not JSON", []byte("\x00\xff"), "site-1", fl.ErrMalformed},
		{"a number beyond float64", []byte(`{"round":1,"site":"site-1","samples":1,"weights":[1e400]}`), "site-1", fl.ErrMalformed},
		{"not enrolled", ok(func(u *fl.Update) { u.Site = "site-9" }), "site-9", fl.ErrForeign},
		{"signed by another site", ok(func(u *fl.Update) { u.Site = "site-2" }), "site-1", fl.ErrForeign},
		{"too few weights", ok(func(u *fl.Update) { u.Weights = u.Weights[:2] }), "site-1", fl.ErrShape},
		{"no samples", ok(func(u *fl.Update) { u.Samples = 0 }), "site-1", fl.ErrShape},
		{"too many samples", ok(func(u *fl.Update) { u.Samples = fl.MaxSamples + 1 }), "site-1", fl.ErrShape},
		{"round 0", ok(func(u *fl.Update) { u.Round = 0 }), "site-1", fl.ErrShape},
		{"huge weight", ok(func(u *fl.Update) { u.Weights[3] = 1e7 }), "site-1", fl.ErrShape},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := fl.DecodeUpdate(c.data, c.subject, roster)
			assert.True(t, errors.Is(err, c.want), "want %v, got %v", c.want, err)
		})
	}
	u, err := fl.DecodeUpdate(ok(nil), "site-1", roster)
	require.NoError(t, err)
	assert.Equal(t, "site-1", u.Site)
}

// Any bytes either decode to a valid update or are refused with one of the
// three reasons: the coordinator can always dead-letter what it refuses.
func FuzzDecodeUpdate(f *testing.F) {
	f.Add([]byte(`{"round":1,"site":"site-1","samples":5,"weights":[0,0,0,0,0,0,0,0]}`))
	f.Add([]byte(`{"round":-1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := fl.DecodeUpdate(data, "site-1", fl.Roster(2))
		if err != nil {
			if !errors.Is(err, fl.ErrMalformed) && !errors.Is(err, fl.ErrForeign) && !errors.Is(err, fl.ErrShape) {
				t.Fatalf("refused without a reason kind: %v", err)
			}
			return
		}
		require.Len(t, u.Weights, fl.Dim)
		for _, w := range u.Weights {
			require.False(t, math.IsNaN(w) || math.Abs(w) > fl.MaxAbsWeight)
		}
	})
}

// The bound the auditor holds updates to is model-sized: a function of the
// model's dimension, not of any shard; every real update fits under it.
func TestUpdateBoundHoldsTheLargestUpdate(t *testing.T) {
	w := make([]float64, fl.Dim)
	for i := range w {
		w[i] = -math.SmallestNonzeroFloat64 * 3
	}
	b, err := json.Marshal(fl.Update{Round: 499, Site: "site-64", Samples: fl.MaxSamples, Weights: w})
	require.NoError(t, err)
	assert.LessOrEqual(t, len(b), fl.UpdateBound("site-64"))
	shard, err := json.Marshal(fl.Fleet(1, 1, 50)[0].Shard(1))
	require.NoError(t, err)
	assert.Greater(t, len(shard), 10*fl.UpdateBound("site-64"), "even the smallest shard is far from model-sized")
}
