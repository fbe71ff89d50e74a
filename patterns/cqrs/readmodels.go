package cqrs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/eventhandler/projector"
	"github.com/looplab/eventhorizon/repo/memory"
	"github.com/looplab/eventhorizon/uuid"
)

// ReadModels is the read side: the balances and the statements, each kept by
// an eventhorizon projector in its own repository. The repositories stand
// for the read database: they outlive a projector that crashes.
type ReadModels struct {
	balances   *memory.Repo
	statements *memory.Repo
	handlers   []*projection
}

// projection is one projector's event handler. eventhorizon's
// projector.EventHandler guards it: an event at or below the row's version
// is skipped, which is what makes a redelivered event harmless.
type projection struct {
	eh.EventHandler
	projector projector.Projector
	repo      *memory.Repo
	model     func() eh.Entity
	unguarded bool // the demo's -version-guard=false
}

// NewReadModels returns empty read models.
func NewReadModels() *ReadModels {
	r := &ReadModels{balances: memory.NewRepo(), statements: memory.NewRepo()}
	r.handlers = []*projection{
		newProjection(BalanceProjector{}, r.balances, func() eh.Entity { return &Balance{} }),
		newProjection(StatementProjector{}, r.statements, func() eh.Entity { return &Statement{} }),
	}
	return r
}

func newProjection(p projector.Projector, repo *memory.Repo, model func() eh.Entity) *projection {
	repo.SetEntityFactory(model)
	h := projector.NewEventHandler(p, repo)
	h.SetEntityFactory(model)
	return &projection{EventHandler: h, projector: p, repo: repo, model: model}
}

// withoutVersionGuard makes every projection apply whatever it is handed,
// as a projector that keeps no version (or checkpoint) would: the demo's
// -version-guard=false.
func (r *ReadModels) withoutVersionGuard() {
	for _, h := range r.handlers {
		h.unguarded = true
	}
}

// HandleEvent projects one event, through eventhorizon's guarded handler.
func (p *projection) HandleEvent(ctx context.Context, e eh.Event) error {
	if !p.unguarded {
		return p.EventHandler.HandleEvent(ctx, e)
	}
	m, err := p.repo.Find(ctx, e.AggregateID())
	if errors.Is(err, eh.ErrEntityNotFound) {
		m, err = p.model(), nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", p.projector.ProjectorType(), err)
	}
	if m, err = p.projector.Project(ctx, e, m); err != nil {
		return err
	}
	return p.repo.Save(ctx, m)
}

// InnerHandler implements eventhorizon.EventHandlerChain.
func (p *projection) InnerHandler() eh.EventHandler { return p.EventHandler }

// Subscribe adds both projectors to a bus, for account events only. wrap,
// when given, is applied to each handler (the demo uses it to inject a
// crash); it must keep the handler's type.
func (r *ReadModels) Subscribe(ctx context.Context, bus eh.EventBus, wrap func(eh.EventHandler) eh.EventHandler) error {
	for _, h := range r.handlers {
		var handler eh.EventHandler = h
		if wrap != nil {
			handler = wrap(h)
		}
		if err := bus.AddHandler(ctx, eh.MatchAggregates{AccountType}, handler); err != nil {
			return fmt.Errorf("subscribe %s: %w", h.HandlerType(), err)
		}
	}
	return nil
}

// HandlerType implements eventhorizon.EventHandler.
func (r *ReadModels) HandlerType() eh.EventHandlerType { return "read-models" }

// HandleEvent implements eventhorizon.EventHandler: it projects one event
// into both models, which is how a replay rebuilds them.
func (r *ReadModels) HandleEvent(ctx context.Context, e eh.Event) error {
	if e.AggregateType() != AccountType {
		return nil
	}
	for _, h := range r.handlers {
		if err := h.HandleEvent(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// Balances reads the whole balances model.
func (r *ReadModels) Balances(ctx context.Context) (map[uuid.UUID]Balance, error) {
	return readAll[Balance](ctx, r.balances)
}

// Statements reads the whole statements model.
func (r *ReadModels) Statements(ctx context.Context) (map[uuid.UUID]Statement, error) {
	return readAll[Statement](ctx, r.statements)
}

// Total is the sum of all balances in the read model, in cents.
func (r *ReadModels) Total(ctx context.Context) (int64, error) {
	balances, err := r.Balances(ctx)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, b := range balances {
		total += b.Cents
	}
	return total, nil
}

func readAll[T any](ctx context.Context, repo eh.ReadRepo) (map[uuid.UUID]T, error) {
	all, err := repo.FindAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	out := make(map[uuid.UUID]T, len(all))
	for _, e := range all {
		m, ok := any(e).(*T)
		if !ok {
			return nil, fmt.Errorf("read model: entity is %T", e)
		}
		out[e.EntityID()] = *m
	}
	return out, nil
}

// ErrReadModelsDiffer is returned by Compare when two read sides disagree.
var ErrReadModelsDiffer = errors.New("read models differ")

// Compare checks that two read sides hold exactly the same rows, and says
// how many balances and statement lines it compared.
func Compare(ctx context.Context, a, b *ReadModels) (balances, lines int, err error) {
	ba, err := a.Balances(ctx)
	if err != nil {
		return 0, 0, err
	}
	bb, err := b.Balances(ctx)
	if err != nil {
		return 0, 0, err
	}
	if !sameJSON(ba, bb) {
		return 0, 0, fmt.Errorf("%w: balances", ErrReadModelsDiffer)
	}
	sa, err := a.Statements(ctx)
	if err != nil {
		return 0, 0, err
	}
	sb, err := b.Statements(ctx)
	if err != nil {
		return 0, 0, err
	}
	if !sameJSON(sa, sb) {
		return 0, 0, fmt.Errorf("%w: statements", ErrReadModelsDiffer)
	}
	for _, s := range sa {
		lines += len(s.Lines)
	}
	return len(ba), lines, nil
}

// sameJSON compares two models by their JSON (maps marshal with sorted keys).
func sameJSON(a, b any) bool {
	ja, erra := json.Marshal(a)
	jb, errb := json.Marshal(b)
	return erra == nil && errb == nil && string(ja) == string(jb)
}
