// Package bank is each bank's books: every customer account is an
// event-sourced aggregate of patterns/cqrs (its balance is what its events
// add up to, its appends are guarded by the log's optimistic concurrency,
// its commands are idempotent by ID), and each bank keeps its accounts on
// a JetStream log of its own. The payment saga's legs are commands on these
// books, with IDs derived from the saga's step keys.
package bank

import (
	"context"
	"errors"
	"fmt"
	"strings"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/nats-io/nats.go/jetstream"

	guuid "github.com/google/uuid"

	"github.com/patternlab/patternlab/patterns/cqrs"
)

// namespace derives account and command IDs from names, so the same day
// has the same IDs on every run.
var namespace = guuid.MustParse("6f1f3c1e-2b7a-4d4e-9a58-2f0c7d5e9b10")

// AccountID is the aggregate ID of an account name ("alpha-0007").
func AccountID(name string) uuid.UUID { return guuid.NewSHA1(namespace, []byte("account "+name)) }

// CommandID is the ID of the command that runs step of payment: the
// saga's idempotency key, as the account's dedupe sees it.
func CommandID(payment, step string) uuid.UUID {
	return guuid.NewSHA1(namespace, []byte("step "+payment+"/"+step))
}

// Suspense is the account where a bank books the balance of an account it
// closes.
func Suspense(bank string) string { return bank + "-suspense" }

// Books is one bank's ledger.
type Books struct {
	Bank   string
	Log    cqrs.Log
	Store  *cqrs.EventStore
	Ledger *cqrs.Ledger
}

// LogOf is the JetStream log of a bank's books: stream LEDGER_<BANK>,
// subjects "<prefix>.<bank>.Account.<id>".
func LogOf(bank, stream, prefix string) cqrs.Log {
	l := cqrs.DefaultLog()
	l.Stream, l.Prefix = stream+"_"+strings.ToUpper(bank), prefix+"."+bank
	return l
}

// Options are how a demo opens the books.
type Options struct {
	// Wrap, when set, wraps the event store the ledger writes through
	// (the demo's version race hooks in there).
	Wrap func(*cqrs.EventStore) eh.EventStore
	// NoDedupe and NoExpectedVersion turn the cqrs safeguards off.
	NoDedupe, NoExpectedVersion bool
}

// Open opens (creating its stream) one bank's books.
func Open(ctx context.Context, js jetstream.JetStream, bank string, l cqrs.Log, o Options) (*Books, error) {
	store, err := cqrs.NewEventStore(ctx, js, l)
	if err != nil {
		return nil, fmt.Errorf("%s books: %w", bank, err)
	}
	if o.NoExpectedVersion {
		store.WithoutExpectedVersion()
	}
	var through eh.EventStore = store
	if o.Wrap != nil {
		through = o.Wrap(store)
	}
	led, err := cqrs.NewLedger(through)
	if err != nil {
		return nil, fmt.Errorf("%s books: %w", bank, err)
	}
	if o.NoDedupe {
		led.WithoutDedupe()
	}
	return &Books{Bank: bank, Log: l, Store: store, Ledger: led}, nil
}

// OpenAccount opens an account with its opening balance.
func (b *Books) OpenAccount(ctx context.Context, name string, opening int64) error {
	id := AccountID(name)
	if err := b.Ledger.HandleCommand(ctx, &cqrs.OpenAccount{AccountID: id, ID: CommandID(name, "open"), Owner: name}); err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	if opening == 0 {
		return nil
	}
	err := b.Ledger.HandleCommand(ctx, &cqrs.Deposit{AccountID: id, ID: CommandID(name, "opening"), Amount: opening, Ref: OpeningRef})
	if err != nil {
		return fmt.Errorf("opening balance of %s: %w", name, err)
	}
	return nil
}

// Balance is an account's balance, from its events.
func (b *Books) Balance(ctx context.Context, name string) (int64, error) {
	a, err := b.Ledger.Account(ctx, AccountID(name))
	if err != nil {
		return 0, err
	}
	return a.Balance(), nil
}

// Close closes an account: its balance goes to the bank's suspense account
// (an internal transfer, which the clearing ignores), then the account is
// closed. A payment credited in between makes the close refuse (balance
// not zero): the sweep is then done again.
func (b *Books) Close(ctx context.Context, name string) (swept int64, err error) {
	id, suspense := AccountID(name), AccountID(Suspense(b.Bank))
	for attempt := 1; attempt <= cqrs.MaxAttempts; attempt++ {
		a, err := b.Ledger.Account(ctx, id)
		if err != nil {
			return swept, err
		}
		if bal := a.Balance(); bal > 0 {
			transfer := CommandID(name, fmt.Sprintf("close sweep %d", attempt))
			if _, err := b.Ledger.Transfer(ctx, transfer, id, suspense, bal); err != nil {
				return swept, fmt.Errorf("sweep %s: %w", name, err)
			}
			swept += bal
		}
		err = b.Ledger.HandleCommand(ctx, &cqrs.CloseAccount{AccountID: id, ID: CommandID(name, fmt.Sprintf("close %d", attempt))})
		if !errors.Is(err, cqrs.ErrBalanceNotZero) {
			return swept, err
		}
	}
	return swept, fmt.Errorf("close %s: its balance kept changing", name)
}
