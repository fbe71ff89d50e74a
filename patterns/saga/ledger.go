package saga

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

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
	// Declined: the step was refused for a business reason.
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
	// duplicates were not absorbed (the bug this module shows).
	Applied int `json:"applied,omitempty"`
	// Attempts counts deliveries that were not absorbed as duplicates.
	Attempts int `json:"attempts"`
	// Duplicates counts deliveries absorbed because the key was settled.
	Duplicates int    `json:"duplicates,omitempty"`
	SKU        string `json:"sku,omitempty"`
	Units      int    `json:"units,omitempty"`
	Amount     Cents  `json:"amount,omitempty"`
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
// the fault schedule implements it. attempt counts from 1.
type Injector interface {
	Inject(k Key, attempt int) error
}

// Hooks let a demo act at a precise point of a step: BeforeApply runs
// before the fault and the effect, AfterApply once the effect is recorded
// and before the caller hears of it. Both run outside the ledger's lock.
type Hooks struct {
	BeforeApply func(k Key, attempt int)
	AfterApply  func(r Result)
}

// Ledger is one service's own store: counters (stock, money, shipments) and
// an idempotency record per (saga, step) key, changed together under one
// lock and, when it has a file, persisted together. It is the piece that
// turns at-least-once delivery into exactly-once effects.
type Ledger struct {
	service    string
	path       string
	idempotent bool
	inject     Injector
	hooks      Hooks

	mu       sync.Mutex
	entries  map[Key]*Entry
	counters map[string]int64
	notes    []Note
}

// LedgerOptions configures a Ledger.
type LedgerOptions struct {
	// Path persists the ledger to this JSON file after every change and
	// loads it at start, so the service survives a restart; empty keeps it
	// in memory.
	Path string
	// UnsafeNoIdempotency applies every delivery, duplicates included:
	// exactly the bug the idempotency keys prevent. Demos and tests use it
	// to show why.
	UnsafeNoIdempotency bool
	Inject              Injector
	Hooks               Hooks
	// Counters are the initial counters of an empty ledger.
	Counters map[string]int64
}

// OpenLedger opens the ledger of service, loading o.Path when it exists.
func OpenLedger(service string, o LedgerOptions) (*Ledger, error) {
	l := &Ledger{
		service:    service,
		path:       o.Path,
		idempotent: !o.UnsafeNoIdempotency,
		inject:     o.Inject,
		hooks:      o.Hooks,
		entries:    map[Key]*Entry{},
		counters:   map[string]int64{},
	}
	for k, v := range o.Counters {
		l.counters[k] = v
	}
	if o.Path == "" {
		return l, nil
	}
	data, err := os.ReadFile(o.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return l, l.persist()
	case err != nil:
		return nil, fmt.Errorf("open %s ledger: %w", service, err)
	}
	var s Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("open %s ledger %s: %w", service, o.Path, err)
	}
	l.counters = s.Counters
	for ks, e := range s.Entries {
		k, err := parseKey(ks)
		if err != nil {
			return nil, fmt.Errorf("open %s ledger %s: %w", service, o.Path, err)
		}
		l.entries[k] = &e
	}
	return l, nil
}

// Exec runs one delivery of step k with rule apply. A settled key is
// absorbed (Result.Duplicate) and its recorded outcome returned again, so the
// caller can answer or re-emit exactly what it did the first time; a
// recorded decline comes back as the same *DeclinedError.
func (l *Ledger) Exec(k Key, apply Apply) (Result, error) {
	l.mu.Lock()
	if r, err, dup := l.absorb(k); dup {
		l.mu.Unlock()
		return r, err
	}
	e := l.entry(k)
	e.Attempts++
	attempt := e.Attempts
	l.mu.Unlock()

	if l.hooks.BeforeApply != nil {
		l.hooks.BeforeApply(k, attempt)
	}

	l.mu.Lock()
	r, err := l.settle(k, attempt, apply)
	l.mu.Unlock()
	if err == nil && !r.Duplicate && l.hooks.AfterApply != nil {
		l.hooks.AfterApply(r)
	}
	return r, err
}

// settle injects the planned fault or applies the rule, and records the
// outcome with the counters. Called with l.mu held.
func (l *Ledger) settle(k Key, attempt int, apply Apply) (Result, error) {
	// A concurrent delivery of the same key may have settled it meanwhile.
	if r, err, dup := l.absorb(k); dup {
		return r, err
	}
	e := l.entry(k)
	if l.inject != nil {
		if err := l.inject.Inject(k, attempt); err != nil {
			return l.fail(k, e, attempt, err, true)
		}
	}
	tx := &Tx{l: l, deltas: map[string]int64{}}
	got, err := apply(tx)
	if err != nil {
		return l.fail(k, e, attempt, err, false)
	}
	for name, d := range tx.deltas {
		l.counters[name] += d
	}
	e.Effect, e.SKU, e.Units, e.Amount, e.Reason = got.Effect, got.SKU, got.Units, got.Amount, got.Reason
	if got.Effect == Applied {
		e.Applied++
	}
	l.note(Note{Key: k, Kind: NoteKind(e.Effect), Attempt: attempt, Entry: *e})
	if err := l.persist(); err != nil {
		return Result{}, err
	}
	return Result{Key: k, Effect: e.Effect, Attempt: attempt, Entry: *e}, nil
}

// absorb answers a delivery of a settled key from the record, when the
// ledger is idempotent. Called with l.mu held.
func (l *Ledger) absorb(k Key) (Result, error, bool) {
	e, ok := l.entries[k]
	if !ok || e.Effect == "" || !l.idempotent {
		return Result{}, nil, false
	}
	e.Duplicates++
	r := Result{Key: k, Effect: e.Effect, Attempt: e.Attempts, Duplicate: true, Entry: *e}
	l.note(Note{Key: k, Kind: NoteDuplicate, Attempt: e.Attempts, Entry: *e})
	if err := l.persist(); err != nil {
		return Result{}, err, true
	}
	if e.Effect == Declined {
		return r, &DeclinedError{Key: k, Reason: e.Reason}, true
	}
	return r, nil, true
}

// fail records a failed delivery: a decline settles the key, anything else
// is transient and leaves it open. Called with l.mu held.
func (l *Ledger) fail(k Key, e *Entry, attempt int, err error, injected bool) (Result, error) {
	var declined *DeclinedError
	if errors.As(err, &declined) {
		e.Effect, e.Reason = Declined, declined.Reason
		l.note(Note{Key: k, Kind: NoteDeclined, Attempt: attempt, Entry: *e, Injected: injected})
		if perr := l.persist(); perr != nil {
			return Result{}, perr
		}
		return Result{Key: k, Effect: Declined, Attempt: attempt, Entry: *e}, err
	}
	l.note(Note{Key: k, Kind: NoteTransient, Attempt: attempt, Entry: *e, Injected: injected, Reason: err.Error()})
	if perr := l.persist(); perr != nil {
		return Result{}, perr
	}
	return Result{Key: k, Attempt: attempt}, fmt.Errorf("%s %s attempt %d: %w", l.service, k, attempt, err)
}

func (l *Ledger) entry(k Key) *Entry {
	e, ok := l.entries[k]
	if !ok {
		e = &Entry{}
		l.entries[k] = e
	}
	return e
}

// GiveUp settles an open key as declined after the caller stopped retrying
// it: the step never applied, so the saga compensates the steps before it.
// A key that is already settled keeps its outcome.
func (l *Ledger) GiveUp(k Key, reason string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entry(k)
	if e.Effect != "" {
		return nil
	}
	e.Effect, e.Reason = Declined, reason
	l.note(Note{Key: k, Kind: NoteDeclined, Attempt: e.Attempts, Entry: *e})
	return l.persist()
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
	if !ok {
		return Entry{}, false
	}
	return *e, true
}

// Snapshot is a ledger's state: what the invariant reads and what the file
// holds.
type Snapshot struct {
	Service  string           `json:"service"`
	Entries  map[string]Entry `json:"entries"`
	Counters map[string]int64 `json:"counters"`
}

// Entry returns the record of k, if any.
func (s Snapshot) Entry(k Key) (Entry, bool) {
	e, ok := s.Entries[k.String()]
	return e, ok
}

// Snapshot copies the ledger's state.
func (l *Ledger) Snapshot() Snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.snapshot()
}

func (l *Ledger) snapshot() Snapshot {
	s := Snapshot{Service: l.service, Entries: make(map[string]Entry, len(l.entries)), Counters: make(map[string]int64, len(l.counters))}
	for k, e := range l.entries {
		s.Entries[k.String()] = *e
	}
	for k, v := range l.counters {
		s.Counters[k] = v
	}
	return s
}

// persist writes the snapshot atomically (temporary file, then rename), so
// a crash leaves the old state or the new one, never half of each. Called
// with l.mu held.
func (l *Ledger) persist() error {
	if l.path == "" {
		return nil
	}
	data, err := json.Marshal(l.snapshot())
	if err != nil {
		return fmt.Errorf("persist %s ledger: %w", l.service, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(l.path), filepath.Base(l.path)+".*")
	if err != nil {
		return fmt.Errorf("persist %s ledger: %w", l.service, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("persist %s ledger: %w", l.service, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("persist %s ledger: %w", l.service, err)
	}
	if err := os.Rename(tmp.Name(), l.path); err != nil {
		return fmt.Errorf("persist %s ledger: %w", l.service, err)
	}
	return nil
}

func parseKey(s string) (Key, error) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return Key{Saga: s[:i], Step: Step(s[i+1:])}, nil
		}
	}
	return Key{}, fmt.Errorf("bad key %q", s)
}
