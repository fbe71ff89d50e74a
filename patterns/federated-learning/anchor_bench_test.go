package federatedlearning_test

import (
	"fmt"
	"sync"
	"testing"

	fl "github.com/patternlab/patternlab/patterns/federated-learning"
)

// BenchmarkAnchorInProcess is the anchor of BenchmarkRound: the same rounds
// computed in one process without NATS, the physical floor of the work.
// The same fleet (seed 1, 400 samples per site), the same local training
// (2 epochs, batch 32, each site its own goroutine as the agents are), the
// same trimmed mean with trim 1 over every site's update, sorted by site
// as the coordinator sorts them. What it leaves out is the distribution:
// the round's announcement, the updates as JSON through JetStream, the
// coordinator's acks, dedupe and deadline. The ratio is what distributing
// a round costs over computing it.
func BenchmarkAnchorInProcess(b *testing.B) {
	for _, sites := range []int{4, 8, 16, 32} {
		b.Run(fmt.Sprintf("sites=%d", sites), func(b *testing.B) {
			fleet := fl.Fleet(1, sites, 400)
			shards := make([][]fl.Sample, len(fleet))
			for i, s := range fleet {
				shards[i] = s.Shard(1)
			}
			training := fl.Training{Epochs: 2, LearningRate: 1, Batch: 32}
			global := fl.NewModel()
			round := 0
			for b.Loop() {
				round++
				cs := make([]fl.Contribution, len(fleet)) // in site order, as the coordinator sorts them
				var wg sync.WaitGroup
				for i, s := range fleet {
					wg.Go(func() {
						local := fl.Train(global, shards[i], training, fl.TrainSeed(1, s.Name, round))
						cs[i] = fl.Contribution{Site: s.Name, Samples: len(shards[i]), Weights: local.Weights}
					})
				}
				wg.Wait()
				next, err := fl.Aggregate(fl.TrimmedMean, 1, cs)
				if err != nil {
					b.Fatal(err)
				}
				global = next
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rounds/s")
		})
	}
}
