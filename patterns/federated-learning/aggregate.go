package federatedlearning

import (
	"fmt"
	"slices"
)

// Aggregators the coordinator can use.
const (
	// Mean is FedAvg: the mean of the sites' models weighted by their sample
	// counts. Optimal with honest sites; one poisoned update moves it anywhere.
	Mean = "mean"
	// TrimmedMean drops, for each weight, the Trim lowest and Trim highest
	// values and averages the rest weighted by sample counts.
	TrimmedMean = "trimmed-mean"
	// Median takes, for each weight, the median of the sites' values.
	Median = "median"
)

// Aggregators lists the choices of -aggregator.
var Aggregators = []string{TrimmedMean, Median, Mean}

// Contribution is one site's model for a round, as the coordinator counts it.
type Contribution struct {
	Site    string
	Samples int
	Weights []float64
}

// Aggregate combines the contributions into the next global model. trim is
// how many values TrimmedMean drops at each end of every coordinate; it
// needs more than 2·trim contributions. Contributions are taken in the order
// given: callers sort them (by site) so the result does not depend on
// arrival order.
func Aggregate(kind string, trim int, cs []Contribution) (Model, error) {
	if len(cs) == 0 {
		return Model{}, fmt.Errorf("aggregate: no contributions")
	}
	d := len(cs[0].Weights)
	for _, c := range cs {
		if len(c.Weights) != d {
			return Model{}, fmt.Errorf("aggregate: %s has %d weights, want %d", c.Site, len(c.Weights), d)
		}
	}
	out := Model{Weights: make([]float64, d)}
	switch kind {
	case Mean:
		total := 0.0
		for _, c := range cs {
			total += float64(c.Samples)
		}
		for _, c := range cs {
			for j, w := range c.Weights {
				out.Weights[j] += float64(c.Samples) / total * w
			}
		}
	case TrimmedMean:
		if len(cs) <= 2*trim {
			return Model{}, fmt.Errorf("aggregate: trimmed mean of %d contributions with trim %d: need more than %d", len(cs), trim, 2*trim)
		}
		idx := make([]int, len(cs))
		for j := range d {
			for i := range idx {
				idx[i] = i
			}
			slices.SortStableFunc(idx, func(a, b int) int { return cmpFloat(cs[a].Weights[j], cs[b].Weights[j]) })
			var sum, n float64
			for _, i := range idx[trim : len(idx)-trim] {
				sum += float64(cs[i].Samples) * cs[i].Weights[j]
				n += float64(cs[i].Samples)
			}
			out.Weights[j] = sum / n
		}
	case Median:
		vals := make([]float64, len(cs))
		for j := range d {
			for i, c := range cs {
				vals[i] = c.Weights[j]
			}
			slices.Sort(vals)
			if k := len(vals); k%2 == 1 {
				out.Weights[j] = vals[k/2]
			} else {
				out.Weights[j] = (vals[k/2-1] + vals[k/2]) / 2
			}
		}
	default:
		return Model{}, fmt.Errorf("aggregate: unknown aggregator %q", kind)
	}
	return out, nil
}

// MinContributions is how many contributions the aggregator needs.
func MinContributions(kind string, trim int) int {
	if kind == TrimmedMean {
		return 2*trim + 1
	}
	return 1
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
