package ledger

import (
	"errors"
	"fmt"
)

// Key identifies one step of one saga: the idempotency key. A second
// delivery of the same key is absorbed, not applied.
type Key struct {
	Saga string `json:"saga"`
	Step string `json:"step"`
}

func (k Key) String() string { return fmt.Sprintf("%s/%s", k.Saga, k.Step) }

// ParseKey reads "saga/step" (the saga may itself contain slashes).
func ParseKey(s string) (Key, error) {
	for i := len(s) - 1; i > 0; i-- {
		if s[i] == '/' {
			if i == len(s)-1 {
				break
			}
			return Key{Saga: s[:i], Step: s[i+1:]}, nil
		}
	}
	return Key{}, fmt.Errorf("bad key %q: want saga/step", s)
}

// ErrTransient marks a failure worth retrying: the step did not apply.
var ErrTransient = errors.New("transient failure")

// DeclinedError is a business failure: the step did not apply and retrying
// will not change the answer (card declined, no carrier). The saga must
// compensate what it already did.
type DeclinedError struct {
	Key    Key
	Reason string
}

func (e *DeclinedError) Error() string { return fmt.Sprintf("%s declined: %s", e.Key, e.Reason) }

// Effect is the final outcome a service recorded for a key.
type Effect string

const (
	// Applied: the step changed the service's state.
	Applied Effect = "applied"
	// Declined: the step was refused for a business reason, or given up
	// before it applied (Settle). Either way it never applies later.
	Declined Effect = "declined"
	// NothingToUndo: a compensation found no applied step to undo. Recording
	// it is a tombstone: a late forward step with the same saga is refused.
	NothingToUndo Effect = "nothing-to-undo"
)

// Entry is what a service remembers about one key: the idempotency record
// and the data needed to undo the step exactly.
type Entry struct {
	Effect Effect `json:"effect,omitempty"`
	// Applied counts the times the effect changed the state: 1, or more if
	// duplicates were not absorbed (the bug the keys prevent).
	Applied int `json:"applied,omitempty"`
	// Attempts counts deliveries that were not absorbed as duplicates.
	Attempts int `json:"attempts"`
	// Duplicates counts deliveries absorbed because the key was settled.
	Duplicates int    `json:"duplicates,omitempty"`
	Item       string `json:"item,omitempty"`
	Units      int    `json:"units,omitempty"`
	Amount     int64  `json:"amount,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// Result is the answer to one delivery of a step.
type Result struct {
	Key       Key    `json:"key"`
	Effect    Effect `json:"effect"`
	Attempt   int    `json:"attempt"`
	Duplicate bool   `json:"duplicate,omitempty"`
	Entry     Entry  `json:"entry"`
}

// Apply is a step's business rule, run under the ledger's lock. It reads
// and changes counters through tx and returns the entry to record (Effect
// Applied or NothingToUndo), or a *DeclinedError.
type Apply func(tx *Tx) (Entry, error)

// Injector decides whether a delivery of a step fails before it applies:
// a fault schedule implements it. attempt counts from 1.
type Injector interface {
	Inject(k Key, attempt int) error
}

// Hooks let a demo act at a precise point of a step: BeforeApply runs
// before the fault and the effect, AfterApply once the effect is recorded
// and before the caller hears of it. Both run outside the ledger's lock.
// Noted sees each journal note as it is written, in journal order (a demo
// draws the deliveries live from it): it runs under the ledger's lock, so it
// must not call the ledger.
type Hooks struct {
	BeforeApply func(k Key, attempt int)
	AfterApply  func(r Result)
	Noted       func(n Note)
}

// Tx is the view an Apply rule has of the ledger: reads see its own
// changes, and the changes commit only if the rule returns no error.
type Tx struct {
	l      *Ledger
	deltas map[string]int64
}

// Counter reads a counter.
func (tx *Tx) Counter(name string) int64 { return tx.l.counters[name] + tx.deltas[name] }

// Add changes a counter by d.
func (tx *Tx) Add(name string, d int64) { tx.deltas[name] += d }

// Entry reads the record of another key of this service.
func (tx *Tx) Entry(k Key) (Entry, bool) {
	e, ok := tx.l.entries[k]
	if !ok || e.Effect == "" {
		return Entry{}, false
	}
	return *e, true
}
