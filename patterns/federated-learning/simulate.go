package federatedlearning

import (
	"fmt"
	"slices"
)

// Simulation is federated averaging in memory, without NATS: the same data,
// local training and aggregation as the demo, for the tests that compare
// aggregators over many seeds and for the accuracy-per-round benchmark.
type Simulation struct {
	Seed        uint64
	Sites       int
	Samples     int // per site, about
	Rounds      int
	Training    Training
	Aggregator  string
	Trim        int
	Poisoned    int     // the last Poisoned sites send Poison(global, local, PoisonScale)
	PoisonScale float64 // from the first round on
	Stragglers  int     // the first Stragglers sites always miss the deadline
	TestSize    int
}

// SimResult is the accuracy on the held-out set after each round.
type SimResult struct {
	Federated []float64 // the global model after round r (index r-1)
	Central   []float64 // the reference trained on the pooled data, E epochs per round
}

// Final is the accuracy of the last global and reference models.
func (r SimResult) Final() (federated, central float64) {
	return r.Federated[len(r.Federated)-1], r.Central[len(r.Central)-1]
}

// Simulate runs the federation round after round and the central reference
// beside it.
func Simulate(s Simulation) (SimResult, error) {
	if s.Rounds < 1 || s.Sites < 1 {
		return SimResult{}, fmt.Errorf("simulate: need rounds and sites, got %d and %d", s.Rounds, s.Sites)
	}
	sites := Fleet(s.Seed, s.Sites, s.Samples)
	shards := make([][]Sample, len(sites))
	for i, site := range sites {
		shards[i] = site.Shard(s.Seed)
	}
	test := TestSet(s.Seed, sites, s.TestSize)
	var res SimResult
	global := NewModel()
	for round := 1; round <= s.Rounds; round++ {
		var cs []Contribution
		for i, site := range sites {
			if i < s.Stragglers {
				continue
			}
			local := Train(global, shards[i], s.Training, TrainSeed(s.Seed, site.Name, round))
			if i >= s.Sites-s.Poisoned {
				local = Poison(global, local, s.PoisonScale)
			}
			cs = append(cs, Contribution{Site: site.Name, Samples: len(shards[i]), Weights: local.Weights})
		}
		if len(cs) >= MinContributions(s.Aggregator, s.Trim) {
			next, err := Aggregate(s.Aggregator, s.Trim, cs)
			if err != nil {
				return res, err
			}
			global = next
		}
		res.Federated = append(res.Federated, global.Accuracy(test))
	}
	res.Central = CentralCurve(s.Seed, sites, test, s.Training, s.Rounds)
	return res, nil
}

// Central trains the reference model on the pooled data of every site, E
// epochs per round for as many rounds as the federation ran: the same
// number of passes over the same data, with nothing kept private.
func Central(seed uint64, sites []Site, t Training, rounds int) Model {
	m := NewModel()
	pooled := Pooled(seed, sites)
	for round := 1; round <= rounds; round++ {
		m = Train(m, pooled, t, TrainSeed(seed, "central", round))
	}
	return m
}

// CentralCurve is the reference model's accuracy on test after each round.
func CentralCurve(seed uint64, sites []Site, test []Sample, t Training, rounds int) []float64 {
	m := NewModel()
	pooled := Pooled(seed, sites)
	out := make([]float64, 0, rounds)
	for round := 1; round <= rounds; round++ {
		m = Train(m, pooled, t, TrainSeed(seed, "central", round))
		out = append(out, m.Accuracy(test))
	}
	return slices.Clip(out)
}
