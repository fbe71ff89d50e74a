package goroutines

import "sync/atomic"

// Probe counts records at the two ends of a run, outside the hand-offs it
// judges: collected as the collector hands them on, settled once the store
// has committed them. Collected minus settled is what the run holds in
// memory; in a pipeline whose every stage turns one record into one record
// or one rejection, backpressure bounds it.
type Probe struct {
	collected, settled, peak atomic.Int64
}

// Peak is the most records that were collected and not yet settled at once.
func (p *Probe) Peak() int { return int(p.peak.Load()) }

// Collected is how many records the collector handed on so far.
func (p *Probe) Collected() int { return int(p.collected.Load()) }

// Settled is how many records the store has committed so far.
func (p *Probe) Settled() int { return int(p.settled.Load()) }

func (p *Probe) collect() {
	n := p.collected.Add(1) - p.settled.Load()
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			return
		}
	}
}

func (p *Probe) settle(n int) { p.settled.Add(int64(n)) }
