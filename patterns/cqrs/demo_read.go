package cqrs

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The read side's acts: a projector crash, and a rebuild by replay.

// recovery is when each step of the projector crash happened, as the demo
// observed it: the crash itself (stamped by the crash switch as it kills
// the process), the end of the burst that was being written, the restart,
// and the moment the read models had caught up again.
type recovery struct {
	crashed, burstDone, restarted, caughtUp time.Time
}

// sinceCrash is how long the read models lagged, measured from the crash.
func (r recovery) sinceCrash() time.Duration { return r.caughtUp.Sub(r.crashed) }

func (d *demo) projectorCrash(ctx context.Context) error {
	d.n.Act("act 7: the projector process crashes mid-stream")
	fault := d.n.Plan("projector", "the read side dies after applying an event, before acking it")
	d.n.Step("projector", "the read side will die right after applying event %d of the next burst, before acking it", d.cfg.CrashAfter)
	d.crash.Arm(d.cfg.CrashAfter, func() { d.readSide.nc.Close() })
	payroll := make([]op, d.cfg.SecondBurst)
	for i := range payroll {
		c := d.work.customers[i%(len(d.work.customers)-1)]
		payroll[i] = d.work.depositOp(c, 10_000+int64(i)*100, "payroll")
	}
	for _, o := range payroll {
		if _, err := d.work.run(ctx, o); err != nil {
			return err
		}
	}
	d.recovery.burstDone = time.Now()
	d.n.Step("ledger", "%d payroll deposits appended and acknowledged, whatever the read side is doing", len(payroll))
	wait := d.cfg.catchUpTimeout(d.cfg.SecondBurst)
	select {
	case <-d.crash.crashed:
	case <-time.After(wait):
		return fmt.Errorf("the projector never reached the crash point in %s", wait)
	case <-ctx.Done():
		return ctx.Err()
	}
	d.crashed = d.crash.point()
	d.recovery.crashed = d.crashed.when
	fault.Fire("the read side died right after applying seq %d (%s v%d, %s), before acking it",
		d.crashed.seq, d.nameOf(d.crashed.account), d.crashed.version, Cents(d.crashed.amount).Signed())
	if _, err := d.startReadSide(ctx, d.restartedObserved); err != nil {
		return err
	}
	d.recovery.restarted = time.Now()
	d.n.Step("projector", "restarted on the same durable consumers; the read models kept what it had applied")
	if err := d.catchUp(ctx); err != nil {
		return err
	}
	d.recovery.caughtUp = time.Now()
	again, redelivered := d.seen.redelivered(d.crashed.seq)
	r := d.recovery
	d.n.Measure("projector", "caught up %s after the crash: down %s until the demo restarted it (after the burst), then %s to catch up",
		r.sinceCrash().Round(time.Millisecond), r.restarted.Sub(r.crashed).Round(time.Millisecond), r.caughtUp.Sub(r.restarted).Round(time.Millisecond))
	if redelivered {
		d.n.Measure("projector", "the unacked seq %d came back %s after the crash (the server redelivers %s after a delivery that was not acked)",
			d.crashed.seq, again.Sub(r.crashed).Round(time.Millisecond), d.cfg.AckWait)
	}
	d.n.Check("redelivery", redelivered, "the server delivered the unacked seq %d to the restarted projector again", d.crashed.seq)
	return nil
}

func (d *demo) rebuild(ctx context.Context) error {
	d.n.Act("act 8: rebuild the read models from the log")
	d.rebuilt, d.audit = NewReadModels(), NewAudit()
	start := time.Now()
	r, err := d.store.Replay(ctx, d.rebuilt, d.audit)
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	elapsed := time.Since(start)
	d.replayed = r
	d.n.Step("rebuild", "replayed %d events (up to stream sequence %d) into empty read models, leaving out %d message(s) that are no account's history",
		r.Events, r.UpTo, len(r.Skipped))
	for _, s := range r.Skipped[:min(len(r.Skipped), 3)] {
		d.n.Step("rebuild", "left out %s", s)
	}
	d.n.Measure("rebuild", "replay rate %.0f events/s (%s)", float64(r.Events)/elapsed.Seconds(), elapsed.Round(time.Millisecond))
	balances, lines, err := Compare(ctx, d.models, d.rebuilt)
	switch {
	case err == nil:
		d.n.Check("rebuild-equals-live", true, "%d balances and %d statement lines, identical to the live read models", balances, lines)
	case errors.Is(err, ErrReadModelsDiffer):
		d.n.Check("rebuild-equals-live", false, "the live read models differ from the rebuild: %v", err)
	default:
		return err
	}
	return nil
}
