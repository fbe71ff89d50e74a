package federatedlearning

// Poison is what a compromised site sends instead of its honest model: its
// update (local - global) flipped and scaled, added to the global model. With
// FedAvg's weighted mean one such site pulls the global model backwards
// whenever scale exceeds the honest sites' combined weight.
func Poison(global, local Model, scale float64) Model {
	out := global.Clone()
	for j := range out.Weights {
		out.Weights[j] -= scale * (local.Weights[j] - global.Weights[j])
	}
	return out
}

// TrainSeed is the seed of a site's local training in a round, so a run is
// reproducible whatever order the sites answer in.
func TrainSeed(seed uint64, site string, round int) uint64 {
	return seed ^ hashName(site) ^ uint64(round)*0x9e3779b97f4a7c15
}
