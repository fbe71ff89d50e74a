package fintech

import (
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/industries/fintech/bank"
	"github.com/patternlab/patternlab/industries/fintech/payment"
	"github.com/patternlab/patternlab/industries/fintech/risk"
	"github.com/patternlab/patternlab/industries/fintech/traffic"
	"github.com/patternlab/patternlab/kit/deadletter"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

// names are what this run creates, unique on a shared server.
type names struct {
	prefix      string // subject root
	payments    string // the instructions' stream
	deadLetters string
	risk        string // the risk journal's stream
	ledger      string // base of the books' streams: <ledger>_<BANK>
	taskQueue   string
	workflows   string // workflow ID prefix
}

func (nm names) instructions(b string) string { return nm.prefix + ".pay." + b }
func (nm names) books() string                { return nm.prefix + ".ledger" }

// protected are the subjects only the clearing house may publish on.
func (nm names) protected() []string {
	return []string{nm.books() + ".>", nm.prefix + ".risk.>", nm.prefix + ".dlq.>"}
}

// setUp starts (or connects to) the servers, opens the banks' books and
// starts the risk service and the saga worker.
func (d *demo) setUp(ctx context.Context) error {
	d.n.Act("act 1: a clearing house, %d banks and their books", d.cfg.Banks)
	nm := names{prefix: "fintech", payments: "PAYMENTS", deadLetters: "PAYMENTS_DLQ", risk: "RISK", ledger: "LEDGER",
		taskQueue: "fintech-payments", workflows: "payment-"}
	opts := natsembed.Options{Name: "fintech-demo"}
	if d.cfg.Protect {
		opts.Protect = nm.protected()
	}
	target, err := natsembed.FromEnv(opts)
	if err != nil {
		return err
	}
	d.nats = target
	u := func(s string) string { return target.Unique(s) }
	d.names = names{prefix: u(nm.prefix), payments: u(nm.payments), deadLetters: u(nm.deadLetters), risk: u(nm.risk),
		ledger: u(nm.ledger), taskQueue: u(nm.taskQueue), workflows: u("payment") + "-"}
	d.narrateNATS()
	if d.nc, err = natsembed.Connect(target.URL, "clearing-house"); err != nil {
		return err
	}
	if d.js, err = jetstream.New(d.nc); err != nil {
		return err
	}
	if err := d.streams(ctx); err != nil {
		return err
	}
	if err := d.openBooks(ctx); err != nil {
		return err
	}
	if err := d.startRisk(ctx); err != nil {
		return err
	}
	return d.startTemporal(ctx)
}

func (d *demo) narrateNATS() {
	t, owned := d.nats, strings.Join(d.names.protected(), ", ")
	switch {
	case t.External():
		d.n.Step("nats", "%s", t.Describe())
		d.n.Step("nats", "who may publish on %s is the operator's to say: the chapter shows the permissions", owned)
		t.OnClose(d.deleteStreams)
	case d.cfg.Protect:
		d.n.Step("nats", "embedded nats-server with JetStream, file storage in a temporary directory")
		d.n.Measure("nats", "%s", t.Describe())
		d.n.Step("nats", "only the clearing house may publish on %s; the banks publish their instructions on %s.pay.<bank>", owned, d.names.prefix)
	default:
		d.n.Step("nats", "embedded nats-server with JetStream, file storage in a temporary directory")
		d.n.Measure("nats", "%s", t.Describe())
		d.n.Step("switch", "-protect=false: no permissions, any client may publish on %s", owned)
	}
}

// streams creates the instructions' stream and the dead letters.
func (d *demo) streams(ctx context.Context) error {
	_, err := d.js.CreateStream(ctx, jetstream.StreamConfig{
		Name:        d.names.payments,
		Description: "payment instructions as the banks sent them",
		Subjects:    []string{d.names.prefix + ".pay.>"},
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", d.names.payments, err)
	}
	d.dlq, err = deadletter.Open(ctx, d.js, d.names.deadLetters, d.names.prefix+".dlq")
	return err
}

// openBooks opens every bank's books and the day's accounts in them.
func (d *demo) openBooks(ctx context.Context) error {
	d.day = traffic.Generate(d.cfg.dayConfig())
	d.faults = newFaults(d)
	d.books = map[string]*bank.Books{}
	for _, b := range d.cfg.banks() {
		books, err := bank.Open(ctx, d.js, b, bank.LogOf(b, d.names.ledger, d.names.books()), bank.Options{
			Wrap: d.faults.raceOn, NoDedupe: !d.cfg.StepDedupe, NoExpectedVersion: !d.cfg.ExpectedVersion,
		})
		if err != nil {
			return err
		}
		d.books[b] = books
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, a := range d.day.Accounts {
		g.Go(func() error { return d.books[a.Bank()].OpenAccount(gctx, a.Name, a.Opening) })
		d.opening += a.Opening
	}
	for _, b := range d.cfg.banks() {
		g.Go(func() error { return d.books[b].OpenAccount(gctx, bank.Suspense(b), 0) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	first := d.books[d.cfg.banks()[0]].Log
	d.n.Step("books", "%s: %d customer accounts, each bank on a log of its own (%s: one subject per account, %s.Account.<id>), %s held at the start of the day",
		strings.Join(d.cfg.banks(), ", "), len(d.day.Accounts), first.Stream, first.Prefix, cents(d.opening))
	d.n.Step("books", "an account's balance is what its events add up to; an append names the account's last sequence, and a command its ID")
	return nil
}

// startRisk starts the risk service.
func (d *demo) startRisk(ctx context.Context) error {
	p := d.day.Planted
	rules := risk.Rules{
		Currency: traffic.Currency, MaxAmount: traffic.MaxAmount, Blocked: map[string]bool{p.Blocked: true},
		VelocityMax: traffic.VelocityMax, VelocityWindow: traffic.VelocityWindow,
	}
	if !d.cfg.Velocity {
		rules.VelocityMax = 0
		d.n.Step("switch", "-velocity=false: the risk service counts no payer's payments")
	}
	svc, err := risk.NewService(ctx, d.nc, d.names.risk, d.names.prefix, risk.NewScreener(rules))
	if err != nil {
		return err
	}
	d.risk = svc
	if err := svc.Start(); err != nil {
		return err
	}
	d.n.Step("risk", "rules: %s only, at most %s a payment (above it: RTGS), %s on the sanctions list; velocity: %d payments per payer in any %s of business time",
		traffic.Currency, cents(traffic.MaxAmount), p.Blocked, traffic.VelocityMax, traffic.VelocityWindow)
	if d.cfg.FailClosed {
		d.n.Step("intake", "no risk decision, no payment: a payment that finds the risk service down waits, then is refused as %s", risk.ErrUnavailable)
	} else {
		d.n.Step("switch", "-fail-closed=false: a payment that finds the risk service down goes through unscreened")
	}
	return nil
}

// startTemporal starts (or connects to) Temporal and the saga worker.
func (d *demo) startTemporal(ctx context.Context) error {
	t, err := temporaldev.FromEnv(ctx, temporaldev.Options{})
	if err != nil {
		return err
	}
	d.temporal = t
	if t.Embedded == nil {
		d.n.Step("temporal", "%s: workflows under %s* on task queue %s, deleted on exit", t.Describe(), d.names.workflows, d.names.taskQueue)
	} else {
		d.n.Step("temporal", "Temporal dev server")
		d.n.Measure("temporal", "%s", t.Describe())
	}
	if d.tc, err = t.Dial(ctx); err != nil {
		return err
	}
	d.worker = payment.NewWorker(d.tc, d.names.taskQueue, &payment.Activities{Banks: d.books, Faults: d.faults})
	if err := d.worker.Start(); err != nil {
		return fmt.Errorf("start the saga worker: %w", err)
	}
	d.n.Step("saga", "each payment is a saga on Temporal: debit the payer at its bank, then credit the payee at its bank (the pivot); a refused credit is credited back")
	for _, sw := range []struct {
		on   bool
		flag string
		what string
	}{
		{d.cfg.Idempotency, "-idempotency=false", "each message is its own payment: a resend is paid again"},
		{d.cfg.StepDedupe, "-step-dedupe=false", "the books apply a leg again though its command ID is in the account's history"},
		{d.cfg.ExpectedVersion, "-expected-version=false", "appends carry no expected sequence: the server stores whatever comes"},
		{d.cfg.Compensation, "-compensation=false", "a saga whose credit failed stops there: the debit stands"},
		{d.cfg.Settle, "-settle=false", "a credit whose outcome is unknown counts as failed and is compensated"},
		{d.cfg.AtomicCheckpoint, "-atomic-checkpoint=false", "the clearing saves its sums, then its position: two writes"},
		{d.cfg.DeadLetters, "-dead-letters=false", "malformed messages are acknowledged and dropped"},
	} {
		if !sw.on {
			d.n.Step("switch", "%s: %s", sw.flag, sw.what)
		}
	}
	return nil
}

// dayConfig is the day of traffic the demo's flags describe.
func (c Config) dayConfig() traffic.DayConfig {
	return traffic.DayConfig{
		Seed: c.Seed, Banks: c.banks(), Accounts: c.Accounts, Payments: c.Payments,
		DupEvery: c.DupEvery, Outage: c.Outage,
	}
}
