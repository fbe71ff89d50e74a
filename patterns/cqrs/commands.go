package cqrs

import (
	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
)

// The intents the ledger accepts. Every command carries its own ID, chosen
// by the sender: sending the same command again means sending the same ID.
const (
	OpenAccountCommand  eh.CommandType = "OpenAccount"
	DepositCommand      eh.CommandType = "Deposit"
	WithdrawCommand     eh.CommandType = "Withdraw"
	CloseAccountCommand eh.CommandType = "CloseAccount"
)

// OpenAccount opens an account for an owner.
type OpenAccount struct {
	AccountID uuid.UUID
	ID        uuid.UUID
	Owner     string
}

// Deposit adds Amount cents to an open account.
type Deposit struct {
	AccountID uuid.UUID
	ID        uuid.UUID
	Amount    int64
	Ref       string `eh:"optional"`
}

// Withdraw takes Amount cents from an open account that holds at least that.
type Withdraw struct {
	AccountID uuid.UUID
	ID        uuid.UUID
	Amount    int64
	Ref       string `eh:"optional"`
}

// CloseAccount closes an open account whose balance is zero.
type CloseAccount struct {
	AccountID uuid.UUID
	ID        uuid.UUID
}

var (
	_ eh.CommandIDer = (*OpenAccount)(nil)
	_ eh.CommandIDer = (*Deposit)(nil)
	_ eh.CommandIDer = (*Withdraw)(nil)
	_ eh.CommandIDer = (*CloseAccount)(nil)
)

func (c *OpenAccount) AggregateID() uuid.UUID          { return c.AccountID }
func (c *OpenAccount) AggregateType() eh.AggregateType { return AccountType }
func (c *OpenAccount) CommandType() eh.CommandType     { return OpenAccountCommand }
func (c *OpenAccount) CommandID() uuid.UUID            { return c.ID }

func (c *Deposit) AggregateID() uuid.UUID          { return c.AccountID }
func (c *Deposit) AggregateType() eh.AggregateType { return AccountType }
func (c *Deposit) CommandType() eh.CommandType     { return DepositCommand }
func (c *Deposit) CommandID() uuid.UUID            { return c.ID }

func (c *Withdraw) AggregateID() uuid.UUID          { return c.AccountID }
func (c *Withdraw) AggregateType() eh.AggregateType { return AccountType }
func (c *Withdraw) CommandType() eh.CommandType     { return WithdrawCommand }
func (c *Withdraw) CommandID() uuid.UUID            { return c.ID }

func (c *CloseAccount) AggregateID() uuid.UUID          { return c.AccountID }
func (c *CloseAccount) AggregateType() eh.AggregateType { return AccountType }
func (c *CloseAccount) CommandType() eh.CommandType     { return CloseAccountCommand }
func (c *CloseAccount) CommandID() uuid.UUID            { return c.ID }
