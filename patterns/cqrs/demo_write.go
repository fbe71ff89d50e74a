package cqrs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/looplab/eventhorizon/aggregatestore/events"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// The write side's acts: commands, duplicates, a version race, a closed account.

func (d *demo) openAccounts(ctx context.Context) error {
	d.n.Act("act 2: open accounts")
	if err := d.work.open(ctx, openingDeposit); err != nil {
		return err
	}
	names := make([]string, len(d.work.customers))
	for i, c := range d.work.customers {
		names[i] = c.name
	}
	d.n.Step("ledger", "opened %s, each with an opening deposit of %s", strings.Join(names, ", "), Cents(openingDeposit))
	return nil
}

func (d *demo) firstBurst(ctx context.Context) error {
	d.n.Act("act 3: a burst of commands, with retries and a duplicate race")
	retries := d.cfg.DupEvery > 0 && d.cfg.Operations >= d.cfg.DupEvery
	// The faults are on offer before the burst is announced, so a button
	// pressed at the announcement finds them (a press on the "sending"
	// line raced the offers when they came after it).
	withdraw := d.offerFaults()
	var resend *narrate.PlannedFault
	if retries {
		resend = d.n.Plan("client", "operations sent a second time with the same command IDs")
		d.n.Step("ledger", "sending %d operations; every %dth is sent twice with the same command IDs, as a client that timed out would", d.cfg.Operations, d.cfg.DupEvery)
	} else {
		d.n.Step("ledger", "sending %d operations, none of them twice", d.cfg.Operations)
	}
	start, before := time.Now(), len(d.work.latencies)
	err := d.work.burst(ctx, d.cfg.Operations, d.cfg.DupEvery)
	withdraw()
	if err != nil {
		return err
	}
	elapsed, sent := time.Since(start), len(d.work.latencies)-before
	t := d.work.tally
	d.n.Step("ledger", "%d deposits, %d withdrawals, %d transfers (two commands each): %d went through, %d refused for funds, %d refunded",
		t.deposits, t.withdrawals, t.transfers, t.accepted-len(d.work.customers), t.refused, t.refunded)
	if retries {
		resend.Fire("%d operations were sent a second time with the same command IDs", t.duplicates)
		d.n.Check("retries", t.duplicatesDiffered == 0, "every copy was acknowledged with its original's outcome (%d differed)", t.duplicatesDiffered)
	}
	d.n.Measure("ledger", "%d operations (a transfer counts once, with its two or three commands) in %s: %.0f/s, p50 %s, p99 %s",
		sent, elapsed.Round(time.Millisecond), float64(sent)/elapsed.Seconds(),
		d.work.percentile(0.50).Round(10*time.Microsecond), d.work.percentile(0.99).Round(10*time.Microsecond))

	// The same deposit sent twice at the same moment, as two retrying clients would.
	bob := d.work.customers[1]
	twin := &Deposit{AccountID: bob.id, ID: d.work.newID(), Amount: 4_200, Ref: "sent twice at once"}
	d.work.note(twin.ID)
	d.n.Plan("client", "one deposit sent twice at the same instant").
		Fire("deposit of %s to %s sent twice at the same instant, as two retrying clients would", Cents(twin.Amount), bob.name)
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- d.ledger.HandleCommand(ctx, twin) }()
	}
	if err := errors.Join(<-errs, <-errs); err != nil {
		return fmt.Errorf("twin deposit: %w", err)
	}
	d.work.expected += twin.Amount
	n, err := d.eventsFor(ctx, bob, twin.ID)
	if err != nil {
		return err
	}
	d.n.Step("ledger", "both copies acknowledged; %s's history holds %d event of that command", bob.name, n)
	d.n.Measure("ledger", "commands that lost a version race and were retried so far: %d", d.ledger.Conflicts())
	if err := d.catchUp(ctx); err != nil {
		return err
	}
	d.n.Step("projector", "balances and statements caught up with every account")
	return nil
}

// eventsFor counts the events of one account's history produced by one command.
func (d *demo) eventsFor(ctx context.Context, c customer, commandID uuid.UUID) (int, error) {
	evs, err := d.store.Load(ctx, c.id)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range evs {
		if id, ok := commandIDOf(e); ok && id == commandID {
			n++
		}
	}
	return n, nil
}

func (d *demo) versionRace(ctx context.Context) error {
	d.n.Act("act 4: two writers, one account version")
	nc, err := natsembed.Connect(d.target.URL, "ledger-writer-2")
	if err != nil {
		return err
	}
	defer nc.Close()
	js2, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	store2, err := d.newStore(ctx, js2)
	if err != nil {
		return err
	}
	w1, err := events.NewAggregateStore(d.store)
	if err != nil {
		return err
	}
	w2, err := events.NewAggregateStore(store2)
	if err != nil {
		return err
	}
	carol := d.work.customers[2]
	a1, err := w1.Load(ctx, AccountType, carol.id)
	if err != nil {
		return err
	}
	a2, err := w2.Load(ctx, AccountType, carol.id)
	if err != nil {
		return err
	}
	acc1, acc2 := a1.(*Account), a2.(*Account)
	d.n.Step("writer-1", "loaded %s at v%d, balance %s", carol.name, acc1.AggregateVersion(), Cents(acc1.Balance()))
	d.n.Step("writer-2", "loaded %s at v%d, balance %s", carol.name, acc2.AggregateVersion(), Cents(acc2.Balance()))

	first := &Withdraw{AccountID: carol.id, ID: d.work.newID(), Amount: acc1.Balance() / 2, Ref: "writer-1"}
	second := &Withdraw{AccountID: carol.id, ID: d.work.newID(), Amount: acc2.Balance()*3/4 + 1, Ref: "writer-2"}
	d.work.note(first.ID)
	d.work.note(second.ID)
	if err := a1.HandleCommand(ctx, first); err != nil {
		return err
	}
	if err := w1.Save(ctx, a1); err != nil {
		return fmt.Errorf("writer-1 save: %w", err)
	}
	d.work.expected -= first.Amount
	d.n.Step("writer-1", "withdrew %s: appended as v%d", Cents(first.Amount), acc1.AggregateVersion())
	if err := a2.HandleCommand(ctx, second); err != nil {
		return err
	}
	d.n.Plan("writer-2", "an append decided on a version another writer already moved on").
		Fire("appends its withdrawal of %s, decided on v%d, after writer-1 moved %s on", Cents(second.Amount), acc2.AggregateVersion(), carol.name)
	err = w2.Save(ctx, a2)
	if err == nil {
		d.work.expected -= second.Amount // acknowledged: the sender books it
	}
	if !d.n.Check("version-race", IsConflict(err), "writer-2's append: %s", errorClass(err)) {
		return nil
	}
	retry, err := NewLedger(store2)
	if err != nil {
		return err
	}
	if !d.cfg.Dedupe {
		retry.WithoutDedupe()
	}
	err = retry.HandleCommand(ctx, second)
	switch {
	case err == nil:
		d.work.expected -= second.Amount
		d.n.Step("writer-2", "reloaded and retried: withdrawal accepted")
	case errors.Is(err, ErrInsufficientFunds):
		d.n.Step("writer-2", "reloaded and retried: refused, %s no longer holds %s (no overdraft)", carol.name, Cents(second.Amount))
	default:
		return fmt.Errorf("writer-2 retry: %w", err)
	}
	return nil
}

// errorClass names the sentinel an error carries, for narration.
func errorClass(err error) string {
	switch {
	case err == nil:
		return "stored, no conflict reported"
	case IsConflict(err):
		return "refused by the server as an event conflict from other save"
	}
	return err.Error()
}

// refusal names the business rule behind a refused command, for narration.
func refusal(err error) string {
	for _, rule := range []error{ErrAccountClosed, ErrInsufficientFunds, ErrBalanceNotZero, ErrAccountNotOpen} {
		if errors.Is(err, rule) {
			return rule.Error()
		}
	}
	return fmt.Sprintf("not refused (%v)", err)
}

func (d *demo) closeAccount(ctx context.Context) error {
	d.n.Act("act 5: a closed account refuses everything")
	last := d.work.customers[len(d.work.customers)-1]
	acc, err := d.ledger.Account(ctx, last.id)
	if err != nil {
		return err
	}
	if acc.Balance() > 0 {
		if outcome, err := d.work.run(ctx, d.work.withdrawOp(last, acc.Balance(), "paid out on closing")); err != nil || outcome != "accepted" {
			return fmt.Errorf("pay out %s: %s %w", last.name, outcome, err)
		}
	}
	if err := d.work.send(ctx, &CloseAccount{AccountID: last.id, ID: d.work.newID()}); err != nil {
		return fmt.Errorf("close %s: %w", last.name, err)
	}
	d.n.Step("ledger", "%s paid out %s and closed the account", last.name, Cents(acc.Balance()))
	err = d.work.send(ctx, &Deposit{AccountID: last.id, ID: d.work.newID(), Amount: 1_000, Ref: "late"})
	d.n.Check("closed-refuses", errors.Is(err, ErrAccountClosed), "deposit to %s refused: %s", last.name, refusal(err))
	alice := d.work.customers[0]
	outcome, err := d.work.run(ctx, d.work.transferOp(alice, last, 2_500))
	if err != nil {
		return err
	}
	d.n.Check("refund", outcome == "refunded", "transfer %s -> %s of %s: withdrawn, deposit refused, %s", alice.name, last.name, Cents(2_500), outcome)
	return nil
}
