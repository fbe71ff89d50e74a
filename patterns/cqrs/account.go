package cqrs

import (
	"context"
	"errors"
	"fmt"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/aggregatestore/events"
	"github.com/looplab/eventhorizon/uuid"
)

// AccountType is the aggregate type of ledger accounts.
const AccountType eh.AggregateType = "Account"

// Reasons an account refuses a command. They reach the caller wrapped in
// eventhorizon's AggregateError; test with errors.Is.
var (
	ErrAccountExists     = errors.New("account already open")
	ErrAccountNotOpen    = errors.New("account not open")
	ErrAccountClosed     = errors.New("account closed")
	ErrInvalidAmount     = errors.New("amount must be positive")
	ErrInsufficientFunds = errors.New("insufficient funds")
	ErrBalanceNotZero    = errors.New("balance not zero")
	ErrUnknownCommand    = errors.New("unknown command")
)

// Account is the ledger's aggregate: the consistency boundary that decides
// each command alone, from the state its own events fold into. It also
// remembers the IDs of the commands it applied, so a command sent again is
// acknowledged without a second event.
type Account struct {
	*events.AggregateBase

	owner   string
	opened  bool
	closed  bool
	balance int64
	applied map[uuid.UUID]struct{}
	voided  map[uuid.UUID]struct{} // tombstones (void.go)
}

var _ events.VersionedAggregate = (*Account)(nil)

func init() {
	eh.RegisterAggregate(func(id uuid.UUID) eh.Aggregate { return NewAccount(id) })
}

// NewAccount is an account before its first event.
func NewAccount(id uuid.UUID) *Account {
	return &Account{
		AggregateBase: events.NewAggregateBase(AccountType, id),
		applied:       map[uuid.UUID]struct{}{},
		voided:        map[uuid.UUID]struct{}{},
	}
}

// Balance is the account's balance in cents.
func (a *Account) Balance() int64 { return a.balance }

// Closed reports whether the account was closed.
func (a *Account) Closed() bool { return a.closed }

// Applied reports whether a command with this ID is already in the account's
// history.
func (a *Account) Applied(commandID uuid.UUID) bool {
	_, ok := a.applied[commandID]
	return ok
}

// HandleCommand implements eventhorizon.Aggregate: decide, then record the
// decision as an event. Nothing here changes state; ApplyEvent does.
func (a *Account) HandleCommand(ctx context.Context, cmd eh.Command) error {
	if c, ok := cmd.(eh.CommandIDer); ok && a.Applied(c.CommandID()) && !dedupeOff(ctx) {
		return nil // sent again: already in the history, nothing new to record
	}
	now := time.Now().UTC()
	switch c := cmd.(type) {
	case *OpenAccount:
		if a.opened {
			return ErrAccountExists
		}
		a.AppendEvent(AccountOpened, &AccountOpenedData{Owner: c.Owner}, now, eh.FromCommand(c))
	case *Deposit:
		if err := a.canMove(c.Amount); err != nil {
			return err
		}
		a.AppendEvent(MoneyDeposited, &MoneyMovedData{Amount: c.Amount, Ref: c.Ref}, now, eh.FromCommand(c))
	case *Withdraw:
		if err := a.canMove(c.Amount); err != nil {
			return err
		}
		if c.Amount > a.balance {
			return fmt.Errorf("%w: withdraw %s from %s", ErrInsufficientFunds, Cents(c.Amount), Cents(a.balance))
		}
		a.AppendEvent(MoneyWithdrawn, &MoneyMovedData{Amount: c.Amount, Ref: c.Ref}, now, eh.FromCommand(c))
	case *CloseAccount:
		if err := a.active(); err != nil {
			return err
		}
		if a.balance != 0 {
			return fmt.Errorf("%w: %s", ErrBalanceNotZero, Cents(a.balance))
		}
		a.AppendEvent(AccountClosed, nil, now, eh.FromCommand(c))
	case *Void:
		if !a.opened {
			return ErrAccountNotOpen
		}
		if a.Applied(c.ID) {
			return nil // decided already (applied, or voided): with dedupe off too
		}
		a.AppendEvent(CommandVoided, &CommandVoidedData{Reason: c.Reason}, now, eh.FromCommand(c))
	default:
		return fmt.Errorf("%w: %s", ErrUnknownCommand, cmd.CommandType())
	}
	return nil
}

func (a *Account) active() error {
	switch {
	case !a.opened:
		return ErrAccountNotOpen
	case a.closed:
		return ErrAccountClosed
	}
	return nil
}

func (a *Account) canMove(amount int64) error {
	if err := a.active(); err != nil {
		return err
	}
	if amount <= 0 {
		return fmt.Errorf("%w: %d", ErrInvalidAmount, amount)
	}
	return nil
}

// ApplyEvent implements events.VersionedAggregate: one step of the left fold
// that turns an account's history into its state.
func (a *Account) ApplyEvent(_ context.Context, e eh.Event) error {
	switch e.EventType() {
	case AccountOpened:
		d, ok := e.Data().(*AccountOpenedData)
		if !ok {
			return fmt.Errorf("%s: data is %T", e, e.Data())
		}
		a.opened, a.owner = true, d.Owner
	case MoneyDeposited, MoneyWithdrawn:
		if _, ok := e.Data().(*MoneyMovedData); !ok {
			return fmt.Errorf("%s: data is %T", e, e.Data())
		}
		a.balance += signedAmount(e)
	case AccountClosed:
		a.closed = true
	case CommandVoided:
		if id, ok := commandIDOf(e); ok {
			a.voided[id] = struct{}{}
		}
	default:
		return fmt.Errorf("%w: event %s", ErrUnknownCommand, e.EventType())
	}
	if id, ok := commandIDOf(e); ok {
		a.applied[id] = struct{}{}
	}
	return nil
}
