// Package ledger is one service's own store in a saga: its counters (stock,
// money, shipments) and one idempotency record per (saga, step) key, changed
// together under one lock and, when it has a file, persisted together. It is
// the piece that turns at-least-once delivery (a retried activity, a
// redelivered event) into exactly-once effects, whatever drives the saga.
package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Ledger is one service's store. Exec runs a delivery of a step; Settle
// decides a key whose caller stopped trying; Snapshot reads it all.
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

// Options configures a Ledger.
type Options struct {
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

// Open opens the ledger of service, loading o.Path when it exists.
func Open(service string, o Options) (*Ledger, error) {
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
	if s.Counters != nil {
		l.counters = s.Counters
	}
	for ks, e := range s.Entries {
		k, err := ParseKey(ks)
		if err != nil {
			return nil, fmt.Errorf("open %s ledger %s: %w", service, o.Path, err)
		}
		l.entries[k] = &e
	}
	return l, nil
}

// Service names the service whose ledger this is.
func (l *Ledger) Service() string { return l.service }

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
	// A concurrent delivery of the same key, or Settle, may have settled
	// it meanwhile.
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
	before, restore := *e, l.addCounters(tx.deltas)
	e.Effect, e.Item, e.Units, e.Amount, e.Reason = got.Effect, got.Item, got.Units, got.Amount, got.Reason
	if got.Effect == Applied {
		e.Applied++
	}
	// An error must mean "not applied": a record that could not be
	// written is undone, effect and counters, so the retry applies it
	// rather than being told it is a duplicate of an effect a restart
	// would lose.
	if err := l.persist(); err != nil {
		*e = before
		restore()
		return Result{}, err
	}
	l.note(Note{Key: k, Kind: NoteKind(e.Effect), Attempt: attempt, Entry: *e})
	return Result{Key: k, Effect: e.Effect, Attempt: attempt, Entry: *e}, nil
}

// addCounters adds deltas to the counters and returns what puts them back.
// Called with l.mu held.
func (l *Ledger) addCounters(deltas map[string]int64) (restore func()) {
	type was struct {
		v  int64
		ok bool
	}
	old := make(map[string]was, len(deltas))
	for name, d := range deltas {
		v, ok := l.counters[name]
		old[name] = was{v, ok}
		l.counters[name] = v + d
	}
	return func() {
		for name, w := range old {
			if w.ok {
				l.counters[name] = w.v
			} else {
				delete(l.counters, name)
			}
		}
	}
}

// absorb answers a delivery of a settled key from the record, when the
// ledger is idempotent. Called with l.mu held.
func (l *Ledger) absorb(k Key) (Result, error, bool) {
	e, ok := l.entries[k]
	if !ok || e.Effect == "" || !l.idempotent {
		return Result{}, nil, false
	}
	e.Duplicates++
	if err := l.persist(); err != nil {
		e.Duplicates--
		return Result{}, err, true
	}
	r := Result{Key: k, Effect: e.Effect, Attempt: e.Attempts, Duplicate: true, Entry: *e}
	l.note(Note{Key: k, Kind: NoteDuplicate, Attempt: e.Attempts, Entry: *e})
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
		before := *e
		e.Effect, e.Reason = Declined, declined.Reason
		if perr := l.persist(); perr != nil {
			*e = before // not recorded: the retry decides afresh
			return Result{}, perr
		}
		l.note(Note{Key: k, Kind: NoteDeclined, Attempt: attempt, Entry: *e, Injected: injected})
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

// Settle decides key k for a caller that stopped trying it (its last
// attempt timed out, or it gave up after too many transient failures): a
// settled key keeps its outcome, which Settle returns (the step applied, or
// was declined); an open key is settled now as Declined with reason, a
// tombstone, so an attempt still on its way is refused when it arrives. The
// answer is definite either way: this is what makes the outcome of a step
// without a compensation (the pivot) decidable. Settle is itself idempotent.
func (l *Ledger) Settle(k Key, reason string) (Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entry(k)
	if e.Effect != "" {
		l.note(Note{Key: k, Kind: NoteAsked, Attempt: e.Attempts, Entry: *e})
		return *e, l.persist()
	}
	before := *e
	e.Effect, e.Reason = Declined, reason
	if err := l.persist(); err != nil {
		*e = before // no tombstone was written: the key stays open
		return Entry{}, err
	}
	l.note(Note{Key: k, Kind: NoteSettled, Attempt: e.Attempts, Entry: *e})
	return *e, nil
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

// Applied reports whether k's recorded effect is Applied.
func (s Snapshot) Applied(k Key) bool {
	e, ok := s.Entry(k)
	return ok && e.Effect == Applied
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
