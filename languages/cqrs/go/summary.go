// Package gocqrs is the Go column of the cross-language event-sourcing
// comparison. The aggregate and the projection are patterns/cqrs's own
// (cqrs.Account, cqrs.BalanceProjector); the store is eventhorizon's memory
// store, whose Save refuses a stale version (ErrEventConflictFromOtherSave),
// as cqrs's JetStream store does. This package only runs the seeded workload
// the Java and Rust programs run and prints the same summary.
package gocqrs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/aggregatestore/events"
	"github.com/looplab/eventhorizon/eventstore/memory"
	"github.com/looplab/eventhorizon/uuid"

	"github.com/patternlab/patternlab/patterns/cqrs"
)

// Config is what a summary run takes; the Java and Rust programs take the
// same values as flags.
type Config struct {
	Accounts, Commands int
	Seed               uint64
}

// The workload's constants, the same in the three languages.
const (
	opening     = 10_000
	raceEvery   = 7
	resendEvery = 5
)

var names = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}

type ledger struct {
	ctx    context.Context
	store  *events.AggregateStore
	events *memory.EventStore
	live   map[uuid.UUID]*cqrs.Balance
	ids    map[string]uuid.UUID

	accepted, refused, resent, absorbed, races, conflicts, rivalAccepted, rivalRefused int
}

// outcome is how one command ended.
type outcome struct {
	accepted, appended bool
	delta              int64
	conflicts          int
}

// Summary runs the workload and returns the deterministic summary, as
// `cqrs.Main -summary` (Java) and `cqrs -summary` (Rust) print it.
func Summary(c Config) ([]string, error) {
	ctx := context.Background()
	l := &ledger{ctx: ctx, live: map[uuid.UUID]*cqrs.Balance{}, ids: map[string]uuid.UUID{}}
	var err error
	if l.events, err = memory.NewEventStore(memory.WithEventHandler(eh.EventHandlerFunc(l.project))); err != nil {
		return nil, err
	}
	if l.store, err = events.NewAggregateStore(l.events); err != nil {
		return nil, err
	}
	books := map[string]int64{}
	accounts := names[:c.Accounts]
	for _, name := range accounts {
		l.ids[name] = uuid.New()
		if _, err := l.send(name, &cqrs.OpenAccount{AccountID: l.ids[name], ID: uuid.New(), Owner: name}); err != nil {
			return nil, err
		}
		if _, err := l.send(name, &cqrs.Deposit{AccountID: l.ids[name], ID: uuid.New(), Amount: opening}); err != nil {
			return nil, err
		}
		books[name] = opening
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0xe5e5))
	for i := range c.Commands {
		name := accounts[rng.IntN(len(accounts))]
		id := l.ids[name]
		var cmd eh.Command
		if rng.IntN(10) < 5 {
			cmd = &cqrs.Deposit{AccountID: id, ID: uuid.New(), Amount: 100 + rng.Int64N(20_000)}
		} else {
			cmd = &cqrs.Withdraw{AccountID: id, ID: uuid.New(), Amount: 100 + rng.Int64N(30_000)}
		}
		var o outcome
		if i%raceEvery == raceEvery-1 {
			l.races++
			loaded, err := l.load(name)
			if err != nil {
				return nil, err
			}
			rival, err := l.rival(name)
			if err != nil {
				return nil, err
			}
			books[name] += rival
			if o, err = l.decide(loaded, cmd, 0); err != nil {
				return nil, err
			}
		} else if o, err = l.send(name, cmd); err != nil {
			return nil, err
		}
		l.conflicts += o.conflicts
		if o.accepted {
			l.accepted++
			books[name] += o.delta
		} else {
			l.refused++
		}
		if i%resendEvery == resendEvery-1 {
			l.resent++
			again, err := l.send(name, cmd)
			if err != nil {
				return nil, err
			}
			if o.accepted && !again.appended {
				l.absorbed++
			}
		}
	}
	return l.summary(c, accounts, books)
}

// rival is teller-2: it withdraws 60% of the balance between teller-1's load
// and append, and returns what it moved.
func (l *ledger) rival(name string) (int64, error) {
	a, err := l.load(name)
	if err != nil {
		return 0, err
	}
	o, err := l.send(name, &cqrs.Withdraw{AccountID: l.ids[name], ID: uuid.New(), Amount: max(100, a.Balance()*6/10)})
	if o.accepted {
		l.rivalAccepted++
	} else {
		l.rivalRefused++
	}
	return o.delta, err
}

func (l *ledger) load(name string) (*cqrs.Account, error) { return l.loadID(l.ids[name]) }

func (l *ledger) loadID(id uuid.UUID) (*cqrs.Account, error) {
	agg, err := l.store.Load(l.ctx, cqrs.AccountType, id)
	if err != nil {
		return nil, err
	}
	return agg.(*cqrs.Account), nil
}

func (l *ledger) send(name string, cmd eh.Command) (outcome, error) {
	a, err := l.load(name)
	if err != nil {
		return outcome{}, err
	}
	return l.decide(a, cmd, 0)
}

// decide is the teller: decide on the loaded state, append with the version
// it loaded, and on a conflict reload and decide again.
func (l *ledger) decide(a *cqrs.Account, cmd eh.Command, conflicts int) (outcome, error) {
	before := a.Balance()
	if err := a.HandleCommand(l.ctx, cmd); err != nil {
		if cqrs.IsRefused(err) || errors.Is(err, cqrs.ErrInsufficientFunds) {
			return outcome{conflicts: conflicts}, nil
		}
		return outcome{}, err
	}
	if len(a.UncommittedEvents()) == 0 {
		return outcome{accepted: true, conflicts: conflicts}, nil // absorbed: applied before
	}
	err := l.store.Save(l.ctx, a)
	if errors.Is(err, eh.ErrEventConflictFromOtherSave) {
		fresh, err := l.loadID(a.EntityID())
		if err != nil {
			return outcome{}, err
		}
		return l.decide(fresh, cmd, conflicts+1)
	}
	if err != nil {
		return outcome{}, err
	}
	return outcome{accepted: true, appended: true, delta: a.Balance() - before, conflicts: conflicts}, nil
}

func (l *ledger) project(ctx context.Context, e eh.Event) error {
	b, ok := l.live[e.AggregateID()]
	if !ok {
		b = &cqrs.Balance{}
		l.live[e.AggregateID()] = b
	}
	_, err := cqrs.BalanceProjector{}.Project(ctx, e, b)
	return err
}

func (l *ledger) summary(c Config, accounts []string, books map[string]int64) ([]string, error) {
	out := []string{fmt.Sprintf("cqrs seed=%d accounts=%d commands=%d occ=true dedupe=true", c.Seed, c.Accounts, c.Commands)}
	var violations []string
	total := 0
	for _, name := range accounts {
		a, err := l.load(name)
		if err != nil {
			return nil, err
		}
		total += a.AggregateVersion()
		out = append(out, fmt.Sprintf("account %s version=%d balance=%s books=%s", name, a.AggregateVersion(), cents(a.Balance()), cents(books[name])))
		stored, err := l.events.Load(l.ctx, l.ids[name])
		if err != nil {
			return nil, err
		}
		replayed := &cqrs.Balance{}
		for i, e := range stored {
			if e.Version() != i+1 {
				violations = append(violations, fmt.Sprintf("%s: an event has version %d where %d was due (stored on a stale state)", name, e.Version(), i+1))
			}
			if _, err := (cqrs.BalanceProjector{}).Project(l.ctx, e, replayed); err != nil {
				return nil, err
			}
		}
		if a.Balance() != books[name] {
			violations = append(violations, fmt.Sprintf("%s: balance %s but the client's books say %s", name, cents(a.Balance()), cents(books[name])))
		}
		if live := l.live[l.ids[name]]; live == nil || live.Cents != replayed.Cents || live.Version != replayed.Version {
			violations = append(violations, "the projection rebuilt by replay differs from the live one")
		}
	}
	out = append(out, fmt.Sprintf("commands accepted=%d refused=%d resent=%d absorbed=%d races=%d conflicts=%d rival-accepted=%d rival-refused=%d events=%d",
		l.accepted, l.refused, l.resent, l.absorbed, l.races, l.conflicts, l.rivalAccepted, l.rivalRefused, total))
	for _, v := range violations {
		out = append(out, "violation "+v)
	}
	verdict := "HELD"
	if len(violations) > 0 {
		verdict = "VIOLATED"
	}
	return append(out, "invariant "+verdict), nil
}

func cents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}
