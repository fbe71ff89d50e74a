package cqrs

import (
	"context"
	"fmt"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/eventhandler/projector"
	"github.com/looplab/eventhorizon/uuid"
)

// Statement is one account's statement: every movement with the running
// balance after it, as a customer reads it.
type Statement struct {
	ID      uuid.UUID       `json:"id"`
	Owner   string          `json:"owner"`
	Lines   []StatementLine `json:"lines"`
	Version int             `json:"version"`
}

// StatementLine is one movement on a statement.
type StatementLine struct {
	Version   int    `json:"version"`
	Kind      string `json:"kind"`
	Amount    int64  `json:"amount"`
	Balance   int64  `json:"balance"`
	Ref       string `json:"ref,omitempty"`
	CommandID string `json:"command_id,omitempty"`
}

// EntityID implements eventhorizon.Entity.
func (s *Statement) EntityID() uuid.UUID { return s.ID }

// AggregateVersion implements eventhorizon.Versionable.
func (s *Statement) AggregateVersion() int { return s.Version }

// StatementProjector folds account events into statements.
type StatementProjector struct{}

var _ projector.Projector = StatementProjector{}

// ProjectorType implements projector.Projector.
func (StatementProjector) ProjectorType() projector.Type { return "statement" }

// Project implements projector.Projector.
func (StatementProjector) Project(_ context.Context, e eh.Event, entity eh.Entity) (eh.Entity, error) {
	s, ok := entity.(*Statement)
	if !ok {
		return nil, fmt.Errorf("statement: model is %T", entity)
	}
	balance := int64(0)
	if n := len(s.Lines); n > 0 {
		balance = s.Lines[n-1].Balance
	}
	line := StatementLine{Version: e.Version(), Kind: string(e.EventType()), Balance: balance}
	if id, ok := commandIDOf(e); ok {
		line.CommandID = id.String()
	}
	switch e.EventType() {
	case AccountOpened:
		d, ok := e.Data().(*AccountOpenedData)
		if !ok {
			return nil, fmt.Errorf("statement: %s data is %T", e, e.Data())
		}
		s.ID, s.Owner = e.AggregateID(), d.Owner
	case MoneyDeposited, MoneyWithdrawn:
		d, ok := e.Data().(*MoneyMovedData)
		if !ok {
			return nil, fmt.Errorf("statement: %s data is %T", e, e.Data())
		}
		line.Amount, line.Ref = signedAmount(e), d.Ref
		line.Balance += line.Amount
	}
	s.Lines = append(s.Lines, line)
	s.Version = e.Version()
	return s, nil
}
