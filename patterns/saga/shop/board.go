package shop

import (
	"context"
	"fmt"
	"sync"
)

// Status is where a saga ended.
type Status string

const (
	// Completed: every step applied; nothing to undo.
	Completed Status = "completed"
	// Compensated: a step failed (or the customer cancelled) and every step
	// that had applied was undone, in reverse order.
	Compensated Status = "compensated"
	// Failed: the saga stopped with steps applied and not undone (a
	// compensation gave up, or compensation is switched off). The invariant
	// forbids it; only a demo switch produces it.
	Failed Status = "failed"
)

// Outcome is how a saga ended and why.
type Outcome struct {
	Saga   string `json:"saga"`
	Status Status `json:"status"`
	// Reason says why a saga that did not complete stopped.
	Reason string `json:"reason,omitempty"`
}

// Board records how each saga ended and lets a caller wait for one. In the
// choreography it is the orders service's view, fed by the terminal events;
// in the orchestration, by the workflows' results.
type Board struct {
	mu       sync.Mutex
	outcomes map[string]Outcome
	waiters  map[string][]chan struct{}
	repeats  int
}

// NewBoard returns an empty board.
func NewBoard() *Board {
	return &Board{outcomes: map[string]Outcome{}, waiters: map[string][]chan struct{}{}}
}

// Record keeps the first outcome of a saga; later ones (duplicate terminal
// events) are ignored. It reports whether this was the first.
func (b *Board) Record(o Outcome) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.outcomes[o.Saga]; ok {
		b.repeats++
		return false
	}
	b.outcomes[o.Saga] = o
	for _, w := range b.waiters[o.Saga] {
		close(w)
	}
	delete(b.waiters, o.Saga)
	return true
}

// Wait blocks until saga has an outcome or ctx ends.
func (b *Board) Wait(ctx context.Context, saga string) (Outcome, error) {
	b.mu.Lock()
	if o, ok := b.outcomes[saga]; ok {
		b.mu.Unlock()
		return o, nil
	}
	w := make(chan struct{})
	b.waiters[saga] = append(b.waiters[saga], w)
	b.mu.Unlock()
	select {
	case <-w:
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.outcomes[saga], nil
	case <-ctx.Done():
		return Outcome{}, fmt.Errorf("wait for %s: %w", saga, ctx.Err())
	}
}

// Outcomes copies the outcomes recorded so far.
func (b *Board) Outcomes() map[string]Outcome {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]Outcome, len(b.outcomes))
	for k, v := range b.outcomes {
		out[k] = v
	}
	return out
}

// Repeats counts the outcomes recorded again (and ignored).
func (b *Board) Repeats() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.repeats
}
