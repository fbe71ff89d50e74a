package cqrs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// Invariant is what the demo's last line states.
const Invariant = "the read model's balances == the replayed events == the senders' books; " +
	"no command applied twice, no update lost, no event nobody sent; " +
	"every foreign message refused or dead-lettered with its reason"

// openingDeposit is what every account starts with: 1,000.00.
const openingDeposit = 100_000

// Demo runs the event-sourced ledger end to end against a real JetStream
// server, attacks it, and checks that the read side, the log and the
// senders' books agree.
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
		d.openAccounts, d.firstBurst, d.versionRace, d.closeAccount, d.strangers, d.projectorCrash, d.rebuild,
	} {
		if err := act(ctx); err != nil {
			return err
		}
	}
	return d.verdict(ctx)
}

// demo holds the moving parts shared by the acts, and what they observed.
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
	seen      *deliveries
	readSide  *projectorProcess
	processes []*projectorProcess

	malformed []uint64 // log sequences of the undecodable messages put in
	lettered  map[uint64]bool
	crashed   crashPoint
	recovery  recovery
	rebuilt   *ReadModels
	audit     *Audit
	replayed  Replayed
}

func setUp(ctx context.Context, n *narrate.Narrator, cfg Config) (_ *demo, err error) {
	n.Act("act 1: a ledger whose only truth is an event log in JetStream")
	opts := natsembed.Options{Name: "cqrs-demo"}
	if cfg.Protect {
		opts.Protect = DefaultLog().Subjects()
	}
	target, err := natsembed.FromEnv(opts)
	if err != nil {
		return nil, err
	}
	d := &demo{n: n, cfg: cfg, target: target, log: DefaultLog(), models: NewReadModels(), crash: newCrashSwitch(), seen: newDeliveries()}
	defer func() {
		if err != nil {
			d.tearDown(ctx)
		}
	}()
	d.log.Stream, d.log.Prefix = target.Unique(d.log.Stream), target.Unique(d.log.Prefix)
	owned := strings.Join(d.log.Subjects(), " and ")
	switch {
	case target.External():
		n.Step("nats", "%s", target.Describe())
		n.Step("nats", "who may publish on %s is the operator's to say: the chapter shows the permissions", owned)
		target.OnClose(d.deleteStreams)
	case cfg.Protect:
		n.Step("nats", "embedded nats-server with JetStream, file storage in a temporary directory")
		n.Measure("nats", "%s", target.Describe())
		n.Step("nats", "only the ledger's own user may publish on %s; a guest may publish elsewhere, and may not call the JetStream API", owned)
	default:
		n.Step("nats", "embedded nats-server with JetStream, file storage in a temporary directory")
		n.Measure("nats", "%s", target.Describe())
		n.Step("nats", "SWITCH -protect=false: no permissions, any client may publish on %s", owned)
	}
	if d.writer, err = natsembed.Connect(target.URL, "ledger-writer"); err != nil {
		return d, err
	}
	if d.js, err = jetstream.New(d.writer); err != nil {
		return d, err
	}
	if d.store, err = d.newStore(ctx, d.js); err != nil {
		return d, err
	}
	if d.ledger, err = NewLedger(d.store); err != nil {
		return d, err
	}
	if !cfg.Dedupe {
		d.ledger.WithoutDedupe()
	}
	if !cfg.VersionGuard {
		d.models.withoutVersionGuard()
	}
	n.Step("store", "stream %s: one subject per account (%s.Account.<id>), file storage, deny delete and purge", d.log.Stream, d.log.Prefix)
	n.Step("store", "an append names the stream sequence of the account's last event; the server refuses it if another writer got there first")
	observed := func(h eh.EventHandler) eh.EventHandler { return d.traced(1)(d.crash.Wrap(d.seen.Wrap(h))) }
	if d.readSide, err = d.startReadSide(ctx, observed); err != nil {
		return d, err
	}
	n.Step("bus", "projectors %q and %q read the same stream through durable consumers, one event in flight each; what they cannot decode goes to %s",
		BalanceProjector{}.ProjectorType(), StatementProjector{}.ProjectorType(), d.log.DeadLetterStream())
	d.narrateSwitches()
	d.work = newWorkload(d.ledger, cfg.Seed, cfg.Accounts)
	return d, nil
}

// narrateSwitches says which safeguards this run has turned off.
func (d *demo) narrateSwitches() {
	for _, sw := range []struct {
		on   bool
		flag string
		what string
	}{
		{d.cfg.Dedupe, "-dedupe=false", "accounts decide a command again even if its ID is in their history"},
		{d.cfg.ExpectedVersion, "-expected-version=false", "appends carry no expected sequence: the server stores whatever comes"},
		{d.cfg.VersionGuard, "-version-guard=false", "projectors apply every event they are handed, even one their row already holds"},
		{d.cfg.DeadLetters, "-dead-letters=false", "the bus terminates what it cannot decode, without a trace"},
		{d.cfg.SkipMalformed, "-skip-malformed=false", "loads and replays fail at the first message that is not history"},
	} {
		if !sw.on {
			d.n.Step("switch", "%s: %s", sw.flag, sw.what)
		}
	}
}

// newStore is an event store on js with this run's switches.
func (d *demo) newStore(ctx context.Context, js jetstream.JetStream) (*EventStore, error) {
	s, err := NewEventStore(ctx, js, d.log)
	if err != nil {
		return nil, err
	}
	if !d.cfg.ExpectedVersion {
		s.WithoutExpectedVersion()
	}
	s.failOnForeign = !d.cfg.SkipMalformed
	return s, nil
}

// startReadSide starts a projector process with this run's switches.
func (d *demo) startReadSide(ctx context.Context, wrap func(eh.EventHandler) eh.EventHandler) (*projectorProcess, error) {
	var opts []BusOption
	if !d.cfg.DeadLetters {
		opts = append(opts, terminateUndecodable())
	}
	p, err := startProjectors(ctx, d.target.URL, d.log, d.models, d.cfg.AckWait, wrap, opts...)
	if err != nil {
		return nil, err
	}
	d.processes = append(d.processes, p)
	return p, nil
}

// catchUp waits until the read models reflect every account's last event,
// for as long as the events in the log may take to project.
func (d *demo) catchUp(ctx context.Context) error {
	info, err := d.store.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("catch up: %w", err)
	}
	return waitCaughtUp(ctx, d.ledger, d.models, d.work.customers, d.cfg.catchUpTimeout(int(info.State.Msgs)))
}

// deleteStreams removes, on a shared server, the two streams this run
// created under its own unique names, and nothing else.
func (d *demo) deleteStreams() {
	if d.js == nil {
		return
	}
	for _, name := range []string{d.log.Stream, d.log.DeadLetterStream()} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := d.js.DeleteStream(ctx, name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			d.n.Step("nats", "could not delete stream %s: %v", name, err)
		}
		cancel()
	}
}

func (d *demo) tearDown(context.Context) {
	for _, p := range d.processes {
		_ = p.stop()
	}
	d.target.Close() // the cleanups first (they use the writer), then an embedded server
	if d.writer != nil {
		d.writer.Close()
	}
}

// nameOf is the customer's name for an account ID.
func (d *demo) nameOf(id fmt.Stringer) string {
	for _, c := range d.work.customers {
		if c.id.String() == id.String() {
			return c.name
		}
	}
	return id.String()
}
