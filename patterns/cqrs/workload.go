package cqrs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
)

// customer is an account the workload drives.
type customer struct {
	name string
	id   uuid.UUID
}

// workload sends seeded commands to a ledger and keeps the senders' books:
// the money their acknowledged commands moved in and out of the bank, and
// the ID of every command they sent. The demo's invariant compares the log
// and the read side with these books.
type workload struct {
	ledger    *Ledger
	rng       *rand.Rand
	customers []customer
	expected  int64
	sent      map[uuid.UUID]struct{}
	latencies []time.Duration
	tally     tally
	// gate holds an operation while the lab restarts the server
	// (lab_faults.go): each operation (run) takes it for reading.
	gate sync.RWMutex
}

// tally counts what a burst did; every field is deterministic for a seed.
type tally struct {
	deposits, withdrawals, transfers int
	accepted, refused, refunded      int
	duplicates, duplicatesDiffered   int
}

var names = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}

func newWorkload(l *Ledger, seed uint64, accounts int) *workload {
	w := &workload{ledger: l, rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), sent: map[uuid.UUID]struct{}{}}
	for _, name := range names[:accounts] {
		w.customers = append(w.customers, customer{name: name, id: w.newID()})
	}
	return w
}

// newID draws a UUID from the seeded generator, so a run is repeatable.
func (w *workload) newID() uuid.UUID {
	var b [16]byte
	for i := range b {
		b[i] = byte(w.rng.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return uuid.UUID(b)
}

// note books a command ID as sent (by this sender or on its behalf).
func (w *workload) note(id uuid.UUID) { w.sent[id] = struct{}{} }

// wasSent reports whether a command ID is in the senders' books.
func (w *workload) wasSent(id uuid.UUID) bool { _, ok := w.sent[id]; return ok }

// send runs one command and records its latency.
func (w *workload) send(ctx context.Context, cmd eh.Command) error {
	if c, ok := cmd.(eh.CommandIDer); ok {
		w.note(c.CommandID())
	}
	start := time.Now()
	err := w.ledger.HandleCommand(ctx, cmd)
	w.latencies = append(w.latencies, time.Since(start))
	return err
}

// op is one step of a burst; running it again sends the same command IDs.
type op func(ctx context.Context) (outcome string, delta int64, err error)

func (w *workload) depositOp(c customer, amount int64, ref string) op {
	cmd := &Deposit{AccountID: c.id, ID: w.newID(), Amount: amount, Ref: ref}
	return func(ctx context.Context) (string, int64, error) { return w.single(ctx, cmd, amount) }
}

func (w *workload) withdrawOp(c customer, amount int64, ref string) op {
	cmd := &Withdraw{AccountID: c.id, ID: w.newID(), Amount: amount, Ref: ref}
	return func(ctx context.Context) (string, int64, error) { return w.single(ctx, cmd, -amount) }
}

func (w *workload) single(ctx context.Context, cmd eh.Command, delta int64) (string, int64, error) {
	err := w.send(ctx, cmd)
	switch {
	case err == nil:
		return "accepted", delta, nil
	case IsRefused(err):
		return "refused", 0, nil
	}
	return "", 0, fmt.Errorf("%s: %w", cmd.CommandType(), err)
}

func (w *workload) transferOp(from, to customer, amount int64) op {
	id := w.newID()
	for _, leg := range []string{"debit", "credit", "refund"} {
		w.note(legID(id, leg))
	}
	return func(ctx context.Context) (string, int64, error) {
		start := time.Now()
		outcome, err := w.ledger.Transfer(ctx, id, from.id, to.id, amount)
		w.latencies = append(w.latencies, time.Since(start))
		if outcome == 0 {
			return "", 0, err
		}
		return outcome.String(), 0, nil
	}
}

// run runs an op, books what it moved, and counts its outcome.
func (w *workload) run(ctx context.Context, o op) (string, error) {
	outcome, delta, err := w.gated(ctx, o)
	if err != nil {
		return "", err
	}
	w.expected += delta
	switch outcome {
	case "accepted", "completed":
		w.tally.accepted++
	case "refused":
		w.tally.refused++
	case "refunded":
		w.tally.refunded++
	}
	return outcome, nil
}

// gated runs o while no server restart holds the gate.
func (w *workload) gated(ctx context.Context, o op) (string, int64, error) {
	w.gate.RLock()
	defer w.gate.RUnlock()
	return o(ctx)
}

// open opens every account with an opening deposit.
func (w *workload) open(ctx context.Context, opening int64) error {
	for _, c := range w.customers {
		if err := w.send(ctx, &OpenAccount{AccountID: c.id, ID: w.newID(), Owner: c.name}); err != nil {
			return fmt.Errorf("open %s: %w", c.name, err)
		}
		if _, err := w.run(ctx, w.depositOp(c, opening, "opening deposit")); err != nil {
			return fmt.Errorf("opening deposit %s: %w", c.name, err)
		}
	}
	return nil
}

// burst sends n random deposits, withdrawals and transfers. Every
// dupEvery-th operation is sent a second time with the same command IDs, as
// a client that timed out and retried would; the copy must change nothing
// and report the same outcome.
func (w *workload) burst(ctx context.Context, n, dupEvery int) error {
	for i := range n {
		var o op
		a := w.customers[w.rng.IntN(len(w.customers))]
		switch k := w.rng.IntN(10); {
		case k < 4:
			w.tally.deposits++
			o = w.depositOp(a, 100+w.rng.Int64N(20_000), "cash in")
		case k < 7:
			w.tally.withdrawals++
			o = w.withdrawOp(a, 100+w.rng.Int64N(30_000), "cash out")
		default:
			w.tally.transfers++
			b := w.customers[w.rng.IntN(len(w.customers))]
			for b == a {
				b = w.customers[w.rng.IntN(len(w.customers))]
			}
			o = w.transferOp(a, b, 100+w.rng.Int64N(25_000))
		}
		outcome, err := w.run(ctx, o)
		if err != nil {
			return fmt.Errorf("operation %d: %w", i, err)
		}
		if dupEvery > 0 && i%dupEvery == dupEvery-1 {
			w.tally.duplicates++
			again, _, err := w.gated(ctx, o) // not booked: it must be a no-op
			if err != nil {
				return fmt.Errorf("operation %d sent again: %w", i, err)
			}
			if again != outcome {
				w.tally.duplicatesDiffered++
			}
		}
	}
	return nil
}

// percentile returns the p-th percentile of the recorded latencies.
func (w *workload) percentile(p float64) time.Duration {
	if len(w.latencies) == 0 {
		return 0
	}
	s := slices.Clone(w.latencies)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}
