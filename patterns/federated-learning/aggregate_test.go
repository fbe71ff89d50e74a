package federatedlearning_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fl "github.com/patternlab/patternlab/patterns/federated-learning"
)

func contributions(ws ...[]float64) []fl.Contribution {
	var cs []fl.Contribution
	for i, w := range ws {
		cs = append(cs, fl.Contribution{Site: fl.SiteName(i), Samples: 10 * (i + 1), Weights: w})
	}
	return cs
}

func TestAggregators(t *testing.T) {
	cs := contributions([]float64{1, 10}, []float64{2, 20}, []float64{3, 30}, []float64{-1000, 1000})
	for _, c := range []struct {
		kind string
		trim int
		want []float64
	}{
		// weights 10, 20, 30, 40 of 100
		{fl.Mean, 0, []float64{0.1 + 0.4 + 0.9 - 400, 1 + 4 + 9 + 400}},
		// per coordinate: drop the lowest and the highest, weight the rest
		{fl.TrimmedMean, 1, []float64{(10*1.0 + 20*2) / 30, (20*20.0 + 30*30) / 50}},
		{fl.Median, 0, []float64{1.5, 25}},
	} {
		m, err := fl.Aggregate(c.kind, c.trim, cs)
		require.NoError(t, err, c.kind)
		assert.InDeltaSlice(t, c.want, m.Weights, 1e-9, c.kind)
	}
}

func TestAggregateRefusesWhatItCannotCombine(t *testing.T) {
	_, err := fl.Aggregate(fl.TrimmedMean, 2, contributions([]float64{1}, []float64{2}, []float64{3}, []float64{4}))
	assert.ErrorContains(t, err, "need more than 4")
	_, err = fl.Aggregate(fl.Mean, 0, contributions([]float64{1, 2}, []float64{1}))
	assert.ErrorContains(t, err, "has 1 weights, want 2")
	_, err = fl.Aggregate(fl.Mean, 0, nil)
	assert.Error(t, err)
	_, err = fl.Aggregate("mode", 0, contributions([]float64{1}))
	assert.ErrorContains(t, err, "unknown aggregator")
}

// One poisoned update moves the mean by its scale; it cannot move the
// trimmed mean or the median out of the honest values' range.
//
// Fault: bad-input | target: each aggregator, one poisoned update | invariant: the trimmed mean and the median stay within the honest values' range (the mean does not: it is the contrast)
func TestOnePoisonedUpdateAgainstEachAggregator(t *testing.T) {
	global := fl.NewModel()
	var cs []fl.Contribution
	for i := range 7 {
		w := make([]float64, fl.Dim)
		for j := range w {
			w[j] = 1 + 0.01*float64(i)
		}
		cs = append(cs, fl.Contribution{Site: fl.SiteName(i), Samples: 100, Weights: w})
	}
	poisoned := fl.Poison(global, fl.Model{Weights: cs[0].Weights}, 10)
	cs = append(cs, fl.Contribution{Site: "site-8", Samples: 100, Weights: poisoned.Weights})
	mean, err := fl.Aggregate(fl.Mean, 0, cs)
	require.NoError(t, err)
	assert.Less(t, mean.Weights[0], 0.0, "the poisoned update drags the mean below zero")
	for _, kind := range []string{fl.TrimmedMean, fl.Median} {
		m, err := fl.Aggregate(kind, 1, cs)
		require.NoError(t, err)
		for j, w := range m.Weights {
			assert.True(t, w >= 1 && w <= 1.06, "%s weight %d = %g, outside the honest range", kind, j, w)
		}
	}
}
