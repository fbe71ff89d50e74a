package backpressure

import "fmt"

// The demo's checks. Each one reads a witness outside the strategy (the
// ledger, the runtime's heap, the server) and, when it fails, adds the
// evidence to the verdict.

// bounded checks a bounded strategy's run against the whole invariant.
func (d *demo) bounded(r Result) {
	limit := d.cfg.Buffer + 1
	if !d.check(r.Strategy, r.Peaks.Backlog <= limit, "at most B + 1 = %d accepted messages unprocessed (the ledger's count)", limit) {
		d.violate("%s: backlog peaked at %d accepted messages unprocessed, over B + 1 = %d (the strategy itself counted %d)",
			r.Strategy, r.Peaks.Backlog, limit, r.OwnPeak)
	}
	d.heapWithinBound(r)
	d.exactlyOnce(r)
}

// heapWithinBound checks the live-heap growth against the stated bound.
func (d *demo) heapWithinBound(r Result) {
	if !d.check(r.Strategy, r.HeapGrowth() <= d.bound, "live-heap growth within the stated %s", MiB(d.bound)) {
		d.violate("%s: live heap grew by %s, over the stated %s", r.Strategy, MiB(r.HeapGrowth()), MiB(d.bound))
	}
}

// exactlyOnce checks the ledger's audit: every offered message accepted or
// shed, every accepted one processed exactly once.
func (d *demo) exactlyOnce(r Result) {
	a := r.Audit
	ok := len(a.Violations()) == 0 && a.Offered == r.Workload.Messages
	if !d.check(r.Strategy, ok, "every offered message accepted or shed, every accepted one processed exactly once") {
		for _, v := range a.Violations() {
			d.violate("%s: %s", r.Strategy, v)
		}
		if a.Offered != r.Workload.Messages {
			d.violate("%s: %d of %d messages offered", r.Strategy, a.Offered, r.Workload.Messages)
		}
	}
}

// serverView checks what the server reported about the stream (when it is
// bounded by B) and the consumer.
func (d *demo) serverView(name string, st JetStreamStats, stream bool) {
	c := d.cfg
	if stream && !d.check(name, st.PeakStored <= int64(c.Buffer), "the server's stream never held more than B = %d", c.Buffer) {
		d.violate("%s: the server's stream held %d messages, over B = %d", name, st.PeakStored, c.Buffer)
	}
	if !d.check(name, st.PeakAckPending <= int64(c.Window), "the server never had more than W = %d delivered and unacknowledged", c.Window) {
		d.violate("%s: the server had %d messages delivered and unacknowledged, over W = %d", name, st.PeakAckPending, c.Window)
	}
}

func (d *demo) check(name string, ok bool, format string, args ...any) bool {
	if !d.n.Check(name, ok, format, args...) {
		d.failed = true
		return false
	}
	return true
}

func (d *demo) violate(format string, args ...any) {
	d.violations = append(d.violations, fmt.Sprintf(format, args...))
}
