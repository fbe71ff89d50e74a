package cqrs

import (
	"context"
	"fmt"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/eventhandler/projector"
	"github.com/looplab/eventhorizon/uuid"
)

// Balance is one row of the balances read model: what a teller's screen
// shows, kept up to date by BalanceProjector.
type Balance struct {
	ID      uuid.UUID `json:"id"`
	Owner   string    `json:"owner"`
	Cents   int64     `json:"cents"`
	Closed  bool      `json:"closed"`
	Version int       `json:"version"`
}

// EntityID implements eventhorizon.Entity.
func (b *Balance) EntityID() uuid.UUID { return b.ID }

// AggregateVersion implements eventhorizon.Versionable: the projector skips
// any event at or below it, which is what makes redelivery harmless.
func (b *Balance) AggregateVersion() int { return b.Version }

// BalanceProjector folds account events into Balance rows.
type BalanceProjector struct{}

var _ projector.Projector = BalanceProjector{}

// ProjectorType implements projector.Projector.
func (BalanceProjector) ProjectorType() projector.Type { return "balances" }

// Project implements projector.Projector.
func (BalanceProjector) Project(_ context.Context, e eh.Event, entity eh.Entity) (eh.Entity, error) {
	b, ok := entity.(*Balance)
	if !ok {
		return nil, fmt.Errorf("balances: model is %T", entity)
	}
	switch e.EventType() {
	case AccountOpened:
		d, ok := e.Data().(*AccountOpenedData)
		if !ok {
			return nil, fmt.Errorf("balances: %s data is %T", e, e.Data())
		}
		b.ID, b.Owner = e.AggregateID(), d.Owner
	case MoneyDeposited, MoneyWithdrawn:
		b.Cents += signedAmount(e)
	case AccountClosed:
		b.Closed = true
	}
	b.Version = e.Version()
	return b, nil
}
