package federatedlearning_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"

	federatedlearning "github.com/patternlab/patternlab/patterns/federated-learning"
)

// Hostile flag values get a usage error naming the flag, never a panic.
func FuzzFlags(f *testing.F) { labtest.FuzzFlags(f, federatedlearning.Command) }

// The test: with one site poisoned in every round, plain FedAvg
// (the weighted mean) ends below the accuracy bound, and the trimmed mean
// ends within ε of the central model, seed after seed.
//
// Fault: bad-input | target: federated training, one site poisoned in every round, seed after seed | invariant: the trimmed mean ends within ε of the central model; plain FedAvg ends below the bound
func TestPlainMeanFailsTheBoundAndTrimmedMeanHoldsIt(t *testing.T) {
	cfg := federatedlearning.DefaultConfig()
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			sim := federatedlearning.Simulation{Seed: seed, Sites: cfg.Sites, Samples: cfg.Samples, Rounds: cfg.Rounds,
				Training: federatedlearning.Training{Epochs: cfg.Epochs, LearningRate: cfg.LR, Batch: cfg.Batch},
				Trim:     cfg.Trim, Poisoned: 1, PoisonScale: cfg.PoisonScale, TestSize: cfg.TestSize}
			final := map[string]float64{}
			var central float64
			for _, agg := range []string{federatedlearning.Mean, federatedlearning.TrimmedMean} {
				sim.Aggregator = agg
				res, err := federatedlearning.Simulate(sim)
				require.NoError(t, err)
				final[agg], central = res.Final()
			}
			bound := central - cfg.Epsilon
			t.Logf("central %.3f, bound %.3f: mean %.3f, trimmed mean %.3f", central, bound, final[federatedlearning.Mean], final[federatedlearning.TrimmedMean])
			assert.Less(t, final[federatedlearning.Mean], bound, "plain mean with a poisoned site must miss the bound")
			assert.GreaterOrEqual(t, final[federatedlearning.TrimmedMean], bound, "the trimmed mean must hold it")
		})
	}
}

// Without poison, FedAvg itself reaches the bound: the bound is about
// federated training, not only about robustness.
func TestFedAvgWithoutPoisonReachesTheCentralModel(t *testing.T) {
	cfg := federatedlearning.DefaultConfig()
	for seed := uint64(1); seed <= 4; seed++ {
		res, err := federatedlearning.Simulate(federatedlearning.Simulation{Seed: seed, Sites: cfg.Sites, Samples: cfg.Samples,
			Rounds: cfg.Rounds, Training: federatedlearning.Training{Epochs: cfg.Epochs, LearningRate: cfg.LR, Batch: cfg.Batch},
			Aggregator: federatedlearning.Mean, TestSize: cfg.TestSize})
		require.NoError(t, err)
		fed, central := res.Final()
		assert.GreaterOrEqual(t, fed, central-cfg.Epsilon, "seed %d", seed)
	}
}
