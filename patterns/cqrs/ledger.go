package cqrs

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/aggregatestore/events"
	"github.com/looplab/eventhorizon/commandhandler/aggregate"
	"github.com/looplab/eventhorizon/uuid"

	guuid "github.com/google/uuid"
)

// MaxAttempts bounds how often Ledger retries a command that lost a version
// race before giving up.
const MaxAttempts = 8

// Ledger is the write side: eventhorizon's aggregate command handler over an
// event-sourced aggregate store, plus the one thing it leaves to the
// application: a command that lost a version race is run again on the
// reloaded account, which either decides afresh or finds its own event.
type Ledger struct {
	aggregates *events.AggregateStore
	handler    *aggregate.CommandHandler
	conflicts  atomic.Int64
	noDedupe   bool // the demo's -dedupe=false
}

var _ eh.CommandHandler = (*Ledger)(nil)

// NewLedger wires the write side onto an event store.
func NewLedger(store eh.EventStore) (*Ledger, error) {
	aggregates, err := events.NewAggregateStore(store)
	if err != nil {
		return nil, fmt.Errorf("aggregate store: %w", err)
	}
	h, err := aggregate.NewCommandHandler(AccountType, aggregates)
	if err != nil {
		return nil, fmt.Errorf("command handler: %w", err)
	}
	return &Ledger{aggregates: aggregates, handler: h}, nil
}

// Account loads an account's current state from its events.
func (l *Ledger) Account(ctx context.Context, id uuid.UUID) (*Account, error) {
	a, err := l.aggregates.Load(ctx, AccountType, id)
	if err != nil {
		return nil, fmt.Errorf("load account %s: %w", id, err)
	}
	acc, ok := a.(*Account)
	if !ok {
		return nil, fmt.Errorf("load account %s: aggregate is %T", id, a)
	}
	return acc, nil
}

// HandleCommand implements eventhorizon.CommandHandler.
func (l *Ledger) HandleCommand(ctx context.Context, cmd eh.Command) error {
	if l.noDedupe {
		ctx = withoutDedupe(ctx)
	}
	for attempt := 1; ; attempt++ {
		err := l.handler.HandleCommand(ctx, cmd)
		if err == nil || !IsConflict(err) || attempt == MaxAttempts {
			return err
		}
		l.conflicts.Add(1)
	}
}

// Conflicts is how many times a command lost a version race and was retried.
func (l *Ledger) Conflicts() int64 { return l.conflicts.Load() }

// IsConflict reports an append refused because another writer saved first.
func IsConflict(err error) bool { return errors.Is(err, eh.ErrEventConflictFromOtherSave) }

// IsRefused reports a command the account refused by a business rule (as
// opposed to an infrastructure failure worth retrying).
func IsRefused(err error) bool {
	for _, rule := range []error{ErrAccountExists, ErrAccountNotOpen, ErrAccountClosed,
		ErrInvalidAmount, ErrInsufficientFunds, ErrBalanceNotZero, ErrUnknownCommand} {
		if errors.Is(err, rule) {
			return true
		}
	}
	return false
}

// TransferOutcome says how a transfer ended.
type TransferOutcome int

// A transfer completes, is refused at its first leg, or is refunded when its
// second leg is refused.
const (
	TransferCompleted TransferOutcome = iota + 1
	TransferRefused
	TransferRefunded
)

func (o TransferOutcome) String() string {
	switch o {
	case TransferCompleted:
		return "completed"
	case TransferRefused:
		return "refused"
	case TransferRefunded:
		return "refunded"
	}
	return "unknown"
}

// Transfer moves amount cents between two accounts as two commands, because
// each account is its own consistency boundary: a withdrawal from one, then a
// deposit to the other. Their command IDs derive from the transfer's ID, so
// a retried transfer is the same commands and lands once. When the deposit
// is refused a third command refunds the withdrawal. A crash between the legs
// leaves the transfer half done until it is retried: a process manager (see
// the saga pattern) owns that retry in production.
func (l *Ledger) Transfer(ctx context.Context, id, from, to uuid.UUID, amount int64) (TransferOutcome, error) {
	ref := "transfer " + id.String()
	err := l.HandleCommand(ctx, &Withdraw{AccountID: from, ID: legID(id, "debit"), Amount: amount, Ref: ref})
	switch {
	case IsRefused(err):
		return TransferRefused, err
	case err != nil:
		return 0, fmt.Errorf("transfer %s: debit: %w", id, err)
	}
	err = l.HandleCommand(ctx, &Deposit{AccountID: to, ID: legID(id, "credit"), Amount: amount, Ref: ref})
	switch {
	case err == nil:
		return TransferCompleted, nil
	case !IsRefused(err):
		return 0, fmt.Errorf("transfer %s: credit: %w", id, err)
	}
	if rerr := l.HandleCommand(ctx, &Deposit{AccountID: from, ID: legID(id, "refund"), Amount: amount, Ref: "refund of " + ref}); rerr != nil {
		return 0, fmt.Errorf("transfer %s: refund after %v: %w", id, err, rerr)
	}
	return TransferRefunded, err
}

// legID is the deterministic command ID of one leg of a transfer.
func legID(transfer uuid.UUID, leg string) uuid.UUID {
	return guuid.NewSHA1(transfer, []byte(leg))
}

// WithoutDedupe makes every account decide a command again even when its ID
// is already in the account's history: a command sent twice is applied
// twice. Demos call it to show what the command IDs are for; nothing else
// should.
func (l *Ledger) WithoutDedupe() { l.noDedupe = true }
