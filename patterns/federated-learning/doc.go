// Package federatedlearning is the federated learning pattern of the lab:
// sites that may not share their data train one model together. Each round
// a Coordinator broadcasts the global model over NATS, every selected site's
// Agent trains it on its private shard and publishes only the resulting
// weights into a JetStream stream, and the coordinator aggregates them
// (FedAvg's weighted mean, or a robust TrimmedMean or Median) and commits
// the result to a key-value bucket, from which a restarted coordinator
// resumes.
//
// The demo holds it to one invariant, checked from a wire tap that records
// every message on every subject: raw data never left a site, no update was
// counted twice, every round closed by its deadline, the restarted
// coordinator resumed from the committed model, and the global model's
// accuracy on a held-out set is within ε of a model trained centrally on
// the pooled data, although one site sends a poisoned update every round.
package federatedlearning
