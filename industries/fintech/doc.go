// Package fintech is the Fintech pattern of the lab.
//
// TODO: say what the pattern is and which invariant the demo and the fault
// tests hold it to. The scaffold starts from a small, real example (jobs
// handled exactly once despite a failing handler) to replace.
package fintech
