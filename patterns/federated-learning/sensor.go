package federatedlearning

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Features are what every site's gateway computes from a machine's sensors,
// in this order: the model's inputs.
var Features = []string{"vibration RMS (mm/s)", "vibration kurtosis", "bearing temperature (°C)",
	"ambient temperature (°C)", "temperature rise (°C/h)", "motor current (A)", "speed (rpm)"}

// Dim is the number of model weights: one per feature and a bias.
var Dim = len(Features) + 1

// datasheet is each feature's sensor range, published by the vendor and known
// at every site: features are scaled by it, so no statistic of any site's
// data has to leave the site to normalize them.
var datasheet = [][2]float64{{0, 10}, {0, 10}, {0, 100}, {-10, 50}, {-2, 6}, {0, 40}, {0, 3000}}

// Sample is one machine's reading: its scaled features and whether the
// machine had a bearing fault (the label).
type Sample struct {
	X     []float64 // len(Features), scaled to about -1..1 by the datasheet ranges
	Fault bool
}

// Site is one plant: where its data comes from. Plants differ (non-IID):
// a hot plant reads hotter bearings in healthy and faulty machines alike,
// a plant that runs its machines hard vibrates more, and the share of
// faulty machines differs from plant to plant.
type Site struct {
	Name      string
	Ambient   float64 // °C around the machines
	Load      float64 // 0..1: how hard the machines run
	FaultRate float64 // share of faulty machines
	Samples   int     // size of the site's private shard
}

// Fleet draws n sites from seed, each with about samples readings (±50%).
func Fleet(seed uint64, n, samples int) []Site {
	r := rand.New(rand.NewPCG(seed, 0xf1ee7))
	sites := make([]Site, n)
	for i := range sites {
		sites[i] = Site{
			Name:      SiteName(i),
			Ambient:   5 + 35*r.Float64(),
			Load:      0.2 + 0.8*r.Float64(),
			FaultRate: 0.1 + 0.4*r.Float64(),
			Samples:   max(1, samples/2+r.IntN(samples+1)),
		}
	}
	return sites
}

// SiteName is the name of site i (0-based): site-1, site-2, ...
func SiteName(i int) string { return fmt.Sprintf("site-%d", i+1) }

// Shard generates the site's private training data. It never leaves the
// site: the site trains on it and sends only model weights.
func (s Site) Shard(seed uint64) []Sample { return s.draw(seed, 1, s.Samples) }

// draw generates n readings of the site with stream stream of seed.
func (s Site) draw(seed, stream uint64, n int) []Sample {
	r := rand.New(rand.NewPCG(seed^hashName(s.Name), stream))
	out := make([]Sample, n)
	for i := range out {
		// wear is the bearing's hidden state: a fault when it passes 1.
		// The plant's fault rate sets where its machines' wear sits.
		wear := s.wearMean() + 0.5*r.NormFloat64()
		fault := wear > 1
		load := s.Load + 0.1*r.NormFloat64()
		raw := []float64{
			1.5 + 2.0*load + 1.6*wear + 0.5*r.NormFloat64(),
			3.0 + 1.0*wear + 0.5*r.NormFloat64(),
			s.Ambient + 20 + 15*load + 9*wear + 4*r.NormFloat64(),
			s.Ambient + 1.5*r.NormFloat64(),
			0.5 + 1.0*wear + 0.5*r.NormFloat64(),
			10 + 12*load + 1.0*wear + 1.5*r.NormFloat64(),
			1500 + 1000*load + 100*r.NormFloat64(),
		}
		x := make([]float64, len(raw))
		for j, v := range raw {
			lo, hi := datasheet[j][0], datasheet[j][1]
			x[j] = 2*(v-lo)/(hi-lo) - 1
		}
		out[i] = Sample{X: x, Fault: fault}
	}
	return out
}

// TestSet is the held-out set: n readings drawn from every site in
// proportion to its shard, never used for training. The lab can draw it
// because it plays every plant; a real federation would keep an evaluation
// set at the sites, or a curated one at the hub.
func TestSet(seed uint64, sites []Site, n int) []Sample {
	total := 0
	for _, s := range sites {
		total += s.Samples
	}
	var out []Sample
	for i, s := range sites {
		k := n * s.Samples / total
		if i == len(sites)-1 {
			k = n - len(out)
		}
		out = append(out, s.draw(seed, 2, k)...)
	}
	return out
}

// Pooled is every site's shard in one slice: what a central trainer would
// need, and what federated learning exists not to collect. The demo builds
// it only for the reference model it compares against.
func Pooled(seed uint64, sites []Site) []Sample {
	var out []Sample
	for _, s := range sites {
		out = append(out, s.Shard(seed)...)
	}
	return out
}

// wearMean places the site's wear distribution (sd 0.5) so that a share
// FaultRate of it lies above 1.
func (s Site) wearMean() float64 { return 1 - 0.5*probit(1-s.FaultRate) }

// probit is the standard normal quantile (Acklam's rational approximation,
// good to 1e-9: plenty to place a distribution).
func probit(p float64) float64 {
	a := [6]float64{-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00}
	b := [5]float64{-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01}
	c := [6]float64{-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00}
	d := [4]float64{7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00}
	switch {
	case p < 0.02425:
		q := math.Sqrt(-2 * math.Log(p))
		return (((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q + c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q + 1)
	case p > 1-0.02425:
		q := math.Sqrt(-2 * math.Log(1-p))
		return -(((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q + c[5]) / ((((d[0]*q+d[1])*q+d[2])*q+d[3])*q + 1)
	}
	q := p - 0.5
	r := q * q
	return (((((a[0]*r+a[1])*r+a[2])*r+a[3])*r+a[4])*r + a[5]) * q / (((((b[0]*r+b[1])*r+b[2])*r+b[3])*r+b[4])*r + 1)
}

func hashName(s string) uint64 {
	h := uint64(14695981039346656037) // FNV-1a
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
