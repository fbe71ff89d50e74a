package ledger_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/patterns/saga/ledger"
)

var charge = ledger.Key{Saga: "order-7", Step: "charge"}

// chargeRule adds amount to "charged" and records it.
func chargeRule(amount int64) ledger.Apply {
	return func(tx *ledger.Tx) (ledger.Entry, error) {
		tx.Add("charged", amount)
		return ledger.Entry{Effect: ledger.Applied, Amount: amount}, nil
	}
}

func open(t *testing.T, o ledger.Options) *ledger.Ledger {
	t.Helper()
	l, err := ledger.Open("payment", o)
	require.NoError(t, err)
	return l
}

// Fault: duplicate | target: the payment ledger, the same charge delivered twice | invariant: charged once; the second delivery is answered with the first outcome
func TestADuplicateIsAbsorbedByItsKey(t *testing.T) {
	l := open(t, ledger.Options{})
	first, err := l.Exec(charge, chargeRule(8000))
	require.NoError(t, err)
	again, err := l.Exec(charge, chargeRule(8000))
	require.NoError(t, err)

	assert.False(t, first.Duplicate)
	assert.True(t, again.Duplicate, "the second delivery is recognised")
	assert.Equal(t, first.Entry.Amount, again.Entry.Amount, "and answered with the first outcome")
	s := l.Snapshot()
	assert.Equal(t, int64(8000), s.Counters["charged"], "charged once")
	e, _ := s.Entry(charge)
	assert.Equal(t, 1, e.Applied)
	assert.Equal(t, 1, e.Duplicates)
}

// Why the keys exist: the same duplicate, without them, applies twice.
func TestWithoutIdempotencyADuplicateAppliesTwice(t *testing.T) {
	l := open(t, ledger.Options{UnsafeNoIdempotency: true})
	for range 2 {
		_, err := l.Exec(charge, chargeRule(8000))
		require.NoError(t, err)
	}
	s := l.Snapshot()
	assert.Equal(t, int64(16000), s.Counters["charged"], "the customer paid twice")
	e, _ := s.Entry(charge)
	assert.Equal(t, 2, e.Applied)
}

func TestADeclineIsRememberedForEveryRetry(t *testing.T) {
	l := open(t, ledger.Options{})
	decline := func(tx *ledger.Tx) (ledger.Entry, error) {
		return ledger.Entry{}, &ledger.DeclinedError{Key: charge, Reason: "card declined"}
	}
	for range 2 {
		_, err := l.Exec(charge, decline)
		var declined *ledger.DeclinedError
		require.ErrorAs(t, err, &declined)
		assert.Equal(t, "card declined", declined.Reason)
	}
	e, _ := l.Snapshot().Entry(charge)
	assert.Equal(t, 1, e.Duplicates, "the second answer came from the record")
}

type failFirst int

func (n failFirst) Inject(_ ledger.Key, attempt int) error {
	if attempt <= int(n) {
		return fmt.Errorf("%w: injected", ledger.ErrTransient)
	}
	return nil
}

// Fault: failure | target: the payment ledger, two transient failures injected | invariant: the key stays open: the third attempt charges, once
func TestATransientFailureLeavesTheKeyOpen(t *testing.T) {
	l := open(t, ledger.Options{Inject: failFirst(2)})
	for attempt := 1; attempt <= 2; attempt++ {
		_, err := l.Exec(charge, chargeRule(100))
		require.ErrorIs(t, err, ledger.ErrTransient)
	}
	r, err := l.Exec(charge, chargeRule(100))
	require.NoError(t, err)
	assert.Equal(t, 3, r.Attempt)
	assert.Equal(t, int64(100), l.Snapshot().Counters["charged"])
}

// Fault: crash | target: the payment ledger, reopened from its file | invariant: the record comes back: a redelivered charge is recognised and charged once
func TestTheLedgerSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "payment.json")
	l := open(t, ledger.Options{Path: path})
	_, err := l.Exec(charge, chargeRule(8000))
	require.NoError(t, err)

	again := open(t, ledger.Options{Path: path})
	r, err := again.Exec(charge, chargeRule(8000))
	require.NoError(t, err)
	assert.True(t, r.Duplicate, "the record came back from the file")
	assert.Equal(t, int64(8000), again.Snapshot().Counters["charged"])
}

// Settle answers from the record when the key is settled, and otherwise
// settles it as declined, once: a caller that stopped trying gets a
// definite answer either way.
func TestSettleAnswersFromTheRecordOrLeavesATombstone(t *testing.T) {
	l := open(t, ledger.Options{})
	_, err := l.Exec(charge, chargeRule(8000))
	require.NoError(t, err)
	e, err := l.Settle(charge, "given up")
	require.NoError(t, err)
	assert.Equal(t, ledger.Applied, e.Effect, "it applied: the caller learns it")

	book := ledger.Key{Saga: "order-7", Step: "book"}
	for range 2 {
		e, err = l.Settle(book, "given up")
		require.NoError(t, err)
		assert.Equal(t, ledger.Declined, e.Effect)
		assert.Equal(t, "given up", e.Reason)
	}
	_, err = l.Exec(book, chargeRule(1))
	var declined *ledger.DeclinedError
	require.ErrorAs(t, err, &declined, "a late attempt is refused")
	assert.Equal(t, int64(8000), l.Snapshot().Counters["charged"])
}

// The race Settle exists for: an attempt has been received and is about to
// apply when its caller gives up. Whichever takes the lock first decides,
// and both see the same outcome.
//
// Fault: delay | target: an attempt, about to apply when its caller gives up and settles | invariant: whichever takes the lock first decides; both see the same outcome
func TestSettleFencesAnAttemptStillOnItsWay(t *testing.T) {
	book := ledger.Key{Saga: "order-7", Step: "book"}
	held, release := make(chan struct{}), make(chan struct{})
	l := open(t, ledger.Options{Hooks: ledger.Hooks{BeforeApply: func(ledger.Key, int) {
		close(held)
		<-release
	}}})
	done := make(chan error, 1)
	go func() {
		_, err := l.Exec(book, chargeRule(1))
		done <- err
	}()
	<-held
	e, err := l.Settle(book, "the caller gave up")
	require.NoError(t, err)
	assert.Equal(t, ledger.Declined, e.Effect)
	close(release)
	var declined *ledger.DeclinedError
	require.ErrorAs(t, <-done, &declined, "the attempt that was on its way is refused")
	assert.Zero(t, l.Snapshot().Counters["charged"])
}

func TestTheJournalTellsEachDelivery(t *testing.T) {
	l := open(t, ledger.Options{Inject: failFirst(1)})
	_, _ = l.Exec(charge, chargeRule(1))
	_, _ = l.Exec(charge, chargeRule(1))
	l.Journal(charge, "reply-lost", 2, "the answer never arrived")
	_, _ = l.Exec(charge, chargeRule(1))
	var kinds []ledger.NoteKind
	for _, n := range l.Notes("order-7") {
		kinds = append(kinds, n.Kind)
	}
	assert.Equal(t, []ledger.NoteKind{ledger.NoteTransient, ledger.NoteApplied, "reply-lost", ledger.NoteDuplicate}, kinds)
	assert.Empty(t, l.Notes("order-8"))
}

// Noted sees every note as it is written, the ones a transport journals
// too, in the journal's order: what the lab draws live.
func TestNotedSeesEachNoteAsItIsWritten(t *testing.T) {
	var seen []ledger.Note
	l := open(t, ledger.Options{Inject: failFirst(1), Hooks: ledger.Hooks{Noted: func(n ledger.Note) { seen = append(seen, n) }}})
	_, _ = l.Exec(charge, chargeRule(1))
	assert.Len(t, seen, 1, "the transient failure is seen before the retry")
	_, _ = l.Exec(charge, chargeRule(1))
	l.Journal(charge, "reply-lost", 2, "the answer never arrived")
	_, _ = l.Exec(charge, chargeRule(1))
	_, _ = l.Settle(charge, "gave up")
	assert.Equal(t, l.Notes("order-7"), seen)
	require.Len(t, seen, 5)
	assert.Equal(t, ledger.NoteAsked, seen[4].Kind)
	assert.Equal(t, "payment", seen[0].Service)
}

func TestParseKey(t *testing.T) {
	k, err := ledger.ParseKey("run/7/order-1/charge")
	require.NoError(t, err)
	assert.Equal(t, ledger.Key{Saga: "run/7/order-1", Step: "charge"}, k)
	for _, bad := range []string{"", "charge", "/charge", "order-1/"} {
		_, err := ledger.ParseKey(bad)
		assert.Error(t, err, bad)
	}
	assert.True(t, errors.Is(fmt.Errorf("x: %w", ledger.ErrTransient), ledger.ErrTransient))
}
