package cqrs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/looplab/eventhorizon/aggregatestore/events"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// Config sizes the demo. Every narrated line except measurements is the same
// for the same config.
type Config struct {
	Seed        uint64        // seeds account IDs, amounts and the mix of commands
	Accounts    int           // 3..8 accounts
	Operations  int           // the first burst
	DupEvery    int           // every n-th operation is sent twice (0: none)
	SecondBurst int           // deposits sent while the projectors are down
	CrashAfter  int           // the projectors crash after this many of them
	AckWait     time.Duration // how long the server waits before redelivering
}

// DefaultConfig is the configuration of `make demo P=cqrs`.
func DefaultConfig() Config {
	return Config{Seed: 7, Accounts: 4, Operations: 400, DupEvery: 10, SecondBurst: 40, CrashAfter: 7, AckWait: time.Second}
}

// Validate reports a configuration the demo cannot run, as a usage error.
func (c Config) Validate() error {
	switch {
	case c.Accounts < 3 || c.Accounts > len(names):
		return narrate.Usagef("accounts must be between 3 and %d, got %d", len(names), c.Accounts)
	case c.Operations < 1:
		return narrate.Usagef("operations must be positive, got %d", c.Operations)
	case c.DupEvery < 0:
		return narrate.Usagef("dup-every must be 0 (off) or positive, got %d", c.DupEvery)
	case c.CrashAfter < 1 || c.SecondBurst <= c.CrashAfter:
		return narrate.Usagef("need 1 <= crash-after < second-burst, got %d and %d", c.CrashAfter, c.SecondBurst)
	case c.AckWait < 100*time.Millisecond:
		return narrate.Usagef("ack-wait must be at least 100ms, got %s", c.AckWait)
	}
	return nil
}

// openingDeposit is what every account starts with: 1,000.00.
const openingDeposit = 100_000

// Demo runs the event-sourced ledger end to end against a real JetStream
// server and checks that the read side, the log and the sender's books agree.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	d, err := setUp(ctx, n, cfg)
	if err != nil {
		return err
	}
	defer d.tearDown(ctx)

	for _, act := range []func(context.Context) error{
		d.openAccounts, d.firstBurst, d.versionRace, d.closeAccount, d.projectorCrash, d.rebuild,
	} {
		if err := act(ctx); err != nil {
			return err
		}
	}
	return d.verdict(ctx)
}

// demo holds the moving parts shared by the acts.
type demo struct {
	n         *narrate.Narrator
	cfg       Config
	target    *natsembed.Target
	log       Log
	writer    *nats.Conn
	js        jetstream.JetStream
	store     *EventStore
	ledger    *Ledger
	work      *workload
	models    *ReadModels
	crash     *crashSwitch
	readSide  *projectorProcess
	processes []*projectorProcess
	rebuilt   *ReadModels
	audit     *Audit
}

func setUp(ctx context.Context, n *narrate.Narrator, cfg Config) (_ *demo, err error) {
	n.Act("act 1: a ledger whose only truth is an event log in JetStream")
	target, err := natsembed.FromEnv(natsembed.Options{Name: "cqrs-demo"})
	if err != nil {
		return nil, err
	}
	d := &demo{n: n, cfg: cfg, target: target, log: DefaultLog(), models: NewReadModels(), crash: newCrashSwitch()}
	defer func() {
		if err != nil {
			d.tearDown(ctx)
		}
	}()
	if target.External() {
		// Never write into someone's stream: a fresh one per run, deleted after.
		d.log.Stream += "_DEMO_" + nuid.Next()
		d.log.Prefix += "-demo-" + strings.ToLower(nuid.Next())
		n.Step("nats", "using an external NATS (from %s)", natsembed.EnvURL)
	} else {
		n.Step("nats", "embedded nats-server with JetStream, file storage in a temporary directory")
	}
	n.Measure("nats", "%s", target.Describe())
	if d.writer, err = natsembed.Connect(target.URL, "ledger-writer"); err != nil {
		return d, err
	}
	if d.js, err = jetstream.New(d.writer); err != nil {
		return d, err
	}
	if d.store, err = NewEventStore(ctx, d.js, d.log); err != nil {
		return d, err
	}
	if d.ledger, err = NewLedger(d.store); err != nil {
		return d, err
	}
	n.Step("store", "stream %s: one subject per account (%s.Account.<id>), file storage, deny delete and purge",
		strings.SplitN(d.log.Stream, "_DEMO_", 2)[0], strings.SplitN(d.log.Prefix, "-demo-", 2)[0])
	n.Step("store", "an append names the stream sequence of the account's last event; the server refuses it if another writer got there first")
	d.readSide, err = startProjectors(ctx, target.URL, d.log, d.models, cfg.AckWait, d.crash.Wrap)
	if err != nil {
		return d, err
	}
	d.processes = append(d.processes, d.readSide)
	n.Step("bus", "projectors %q and %q read the same stream through durable consumers, one event in flight each",
		BalanceProjector{}.ProjectorType(), StatementProjector{}.ProjectorType())
	d.work = newWorkload(d.ledger, cfg.Seed, cfg.Accounts)
	return d, nil
}

func (d *demo) tearDown(ctx context.Context) {
	for _, p := range d.processes {
		_ = p.stop()
	}
	if d.target.External() && d.js != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = d.js.DeleteStream(cctx, d.log.Stream)
		cancel()
	}
	if d.writer != nil {
		d.writer.Close()
	}
	d.target.Close()
}

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
	d.n.Step("ledger", "sending %d operations; every %dth is sent twice with the same command IDs", d.cfg.Operations, d.cfg.DupEvery)
	start, before := time.Now(), len(d.work.latencies)
	if err := d.work.burst(ctx, d.cfg.Operations, d.cfg.DupEvery); err != nil {
		return err
	}
	elapsed, sent := time.Since(start), len(d.work.latencies)-before
	t := d.work.tally
	d.n.Step("ledger", "%d deposits, %d withdrawals, %d transfers (two commands each): %d went through, %d refused for funds, %d refunded",
		t.deposits, t.withdrawals, t.transfers, t.accepted-len(d.work.customers), t.refused, t.refunded)
	d.n.Step("ledger", "%d operations sent a second time: every copy was acknowledged with the original outcome (%d differed)",
		t.duplicates, t.duplicatesDiffered)
	d.n.Measure("ledger", "%d command round trips in %s: %.0f/s, p50 %s, p99 %s",
		sent, elapsed.Round(time.Millisecond), float64(sent)/elapsed.Seconds(),
		d.work.percentile(0.50).Round(10*time.Microsecond), d.work.percentile(0.99).Round(10*time.Microsecond))

	// The same deposit sent twice at the same moment, as two retrying clients would.
	bob := d.work.customers[1]
	twin := &Deposit{AccountID: bob.id, ID: d.work.newID(), Amount: 4_200, Ref: "sent twice at once"}
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
	d.n.Step("ledger", "deposit of %s to %s sent twice at once: both acknowledged, %d event in the log", Cents(twin.Amount), bob.name, n)
	d.n.Measure("ledger", "commands that lost a version race and were retried so far: %d", d.ledger.Conflicts())
	if err := waitCaughtUp(ctx, d.ledger, d.models, d.work.customers, 30*time.Second); err != nil {
		return err
	}
	d.n.Step("projector", "balances and statements caught up with every account")
	return nil
}

// eventsFor counts the events of one account produced by one command.
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
	store2, err := NewEventStore(ctx, js2, d.log)
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
	err = w2.Save(ctx, a2)
	if !d.n.Check("version-race", IsConflict(err), "writer-2's withdrawal of %s, decided on v%d, refused by the server as %q",
		Cents(second.Amount), acc2.AggregateVersion(), errorClass(err)) {
		return nil
	}
	retry, err := NewLedger(store2)
	if err != nil {
		return err
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
		return "no error"
	case IsConflict(err):
		return "event conflict from other save"
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

func (d *demo) projectorCrash(ctx context.Context) error {
	d.n.Act("act 6: the projector process crashes mid-stream")
	d.crash.Arm(d.cfg.CrashAfter, func() { d.readSide.nc.Close() })
	d.n.Fault("projector", "the read side will die right after applying event %d of the next burst, before acking it", d.cfg.CrashAfter)
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
	d.n.Step("ledger", "%d payroll deposits appended and acknowledged, whatever the read side is doing", len(payroll))
	select {
	case <-d.crash.crashed:
	case <-time.After(30 * time.Second):
		return errors.New("the projector never reached the crash point")
	case <-ctx.Done():
		return ctx.Err()
	}
	down := time.Now()
	d.n.Step("projector", "crashed; its read models kept what it had applied")
	restarted, err := startProjectors(ctx, d.target.URL, d.log, d.models, d.cfg.AckWait, nil)
	if err != nil {
		return err
	}
	d.processes = append(d.processes, restarted)
	d.n.Step("projector", "restarted on the same durable consumers")
	if err := waitCaughtUp(ctx, d.ledger, d.models, d.work.customers, 30*time.Second); err != nil {
		return err
	}
	d.n.Measure("projector", "caught up %s after the crash (the server redelivers after ack wait %s)", time.Since(down).Round(time.Millisecond), d.cfg.AckWait)
	d.n.Check("redelivery", true,
		"the unacked event came back and the balances projector skipped it by version")
	return nil
}

func (d *demo) rebuild(ctx context.Context) error {
	d.n.Act("act 7: rebuild the read models from the log")
	d.rebuilt, d.audit = NewReadModels(), NewAudit()
	start := time.Now()
	r, err := d.store.Replay(ctx, d.rebuilt, d.audit)
	n, upTo := r.Events, r.UpTo
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	d.n.Step("rebuild", "replayed %d events (up to stream sequence %d) into empty read models", n, upTo)
	d.n.Measure("rebuild", "replay rate %.0f events/s (%s)", float64(n)/elapsed.Seconds(), elapsed.Round(time.Millisecond))
	balances, lines, err := Compare(ctx, d.models, d.rebuilt)
	d.n.Check("rebuild-equals-live", err == nil, "%d balances and %d statement lines, identical to the live read models", balances, lines)
	if err != nil {
		d.n.Step("rebuild", "%v", err)
	}
	return nil
}

func (d *demo) verdict(ctx context.Context) error {
	d.n.Act("verdict")
	live, err := d.models.Total(ctx)
	if err != nil {
		return err
	}
	var violations []string
	if live != d.audit.Total {
		violations = append(violations, fmt.Sprintf("read model total %s != replayed total %s", Cents(live), Cents(d.audit.Total)))
	}
	if d.audit.Total != d.work.expected {
		violations = append(violations, fmt.Sprintf("replayed total %s != expected %s", Cents(d.audit.Total), Cents(d.work.expected)))
	}
	twice := d.audit.AppliedTwice()
	if len(twice) > 0 {
		violations = append(violations, fmt.Sprintf("%d commands applied twice, first %s", len(twice), twice[0]))
	}
	if d.work.tally.duplicatesDiffered > 0 {
		violations = append(violations, fmt.Sprintf("%d duplicates changed their outcome", d.work.tally.duplicatesDiffered))
	}
	d.n.Check("totals", live == d.audit.Total && live == d.work.expected,
		"read model %s, replayed events %s, sender's books %s", Cents(live), Cents(d.audit.Total), Cents(d.work.expected))
	d.n.Check("once", len(twice) == 0, "%d events from %d command IDs, none applied twice", d.audit.Events, d.audit.Commands())
	d.n.Invariant("sum of balances in the read model == sum of replayed events == expected total, and no command was applied twice", violations...)
	return nil
}
