package cqrs

import (
	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
)

// VoidCommand is the intent to make sure a command never applies.
const VoidCommand eh.CommandType = "Void"

// CommandVoided records that the command it names (its command_id, the
// voided command's own ID) will never apply to this account: a tombstone.
const CommandVoided eh.EventType = "CommandVoided"

// CommandVoidedData is the payload of CommandVoided.
type CommandVoidedData struct {
	Reason string `json:"reason,omitempty"`
}

func init() {
	eh.RegisterEventData(CommandVoided, func() eh.EventData { return &CommandVoidedData{} })
}

// Void decides the command with ID for good: if the account has applied it,
// nothing happens (the caller reads Account.Applied and Account.Voided to
// learn which); otherwise a CommandVoided event carrying that ID is
// recorded, and the command, should it still arrive (a retry that was on
// its way, an attempt its sender gave up on), is acknowledged as a
// duplicate and changes nothing. The account's optimistic concurrency
// orders the two: whichever is appended first wins, the other finds it in
// the history. A saga settles a step whose outcome it no longer knows this
// way: the answer is definite, applied or never.
type Void struct {
	AccountID uuid.UUID
	ID        uuid.UUID // the ID of the command that must never apply
	Reason    string    `eh:"optional"`
}

var _ eh.CommandIDer = (*Void)(nil)

func (c *Void) AggregateID() uuid.UUID          { return c.AccountID }
func (c *Void) AggregateType() eh.AggregateType { return AccountType }
func (c *Void) CommandType() eh.CommandType     { return VoidCommand }
func (c *Void) CommandID() uuid.UUID            { return c.ID }

// Voided reports whether the command with this ID was voided: Applied is
// then true as well (the ID is in the history), but nothing was moved.
func (a *Account) Voided(commandID uuid.UUID) bool {
	_, ok := a.voided[commandID]
	return ok
}
