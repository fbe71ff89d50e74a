package federatedlearning

import (
	"math"
	"math/rand/v2"
)

// Model is a logistic-regression fault classifier: Weights[:len(Features)]
// multiply the scaled features, the last weight is the bias. Small enough to
// read, convex enough that averaging models is meaningful.
type Model struct {
	Weights []float64
}

// NewModel is the initial global model: every weight zero.
func NewModel() Model { return Model{Weights: make([]float64, Dim)} }

// Clone copies the model.
func (m Model) Clone() Model { return Model{Weights: append([]float64(nil), m.Weights...)} }

// Prob is the model's probability that the sample's machine is faulty.
func (m Model) Prob(x []float64) float64 {
	z := m.Weights[len(x)]
	for i, v := range x {
		z += m.Weights[i] * v
	}
	return 1 / (1 + math.Exp(-z))
}

// Accuracy is the share of samples the model classifies right (threshold 0.5).
func (m Model) Accuracy(samples []Sample) float64 {
	if len(samples) == 0 {
		return 0
	}
	right := 0
	for _, s := range samples {
		if (m.Prob(s.X) >= 0.5) == s.Fault {
			right++
		}
	}
	return float64(right) / float64(len(samples))
}

// Training is the local training step's knobs.
type Training struct {
	Epochs       int     // E: passes over the shard per round
	LearningRate float64 // η
	Batch        int     // mini-batch size
}

// Train runs E epochs of mini-batch gradient descent on the log loss from
// m and returns the new model; m is not changed. seed fixes the shuffles.
func Train(m Model, data []Sample, t Training, seed uint64) Model {
	out := m.Clone()
	if len(data) == 0 {
		return out
	}
	r := rand.New(rand.NewPCG(seed, 0x7ea1))
	order := make([]int, len(data))
	for i := range order {
		order[i] = i
	}
	grad := make([]float64, len(out.Weights))
	d := len(out.Weights) - 1
	for range t.Epochs {
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for start := 0; start < len(order); start += t.Batch {
			end := min(start+t.Batch, len(order))
			clear(grad)
			for _, k := range order[start:end] {
				s := data[k]
				y := 0.0
				if s.Fault {
					y = 1
				}
				e := out.Prob(s.X) - y
				for j, v := range s.X {
					grad[j] += e * v
				}
				grad[d] += e
			}
			step := t.LearningRate / float64(end-start)
			for j := range out.Weights {
				out.Weights[j] -= step * grad[j]
			}
		}
	}
	return out
}
