package ledger_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/patterns/saga/ledger"
)

// failingDisk opens a ledger whose file's directory can be taken away (the
// disk full, the volume gone): every write of the ledger then fails until
// it is back.
func failingDisk(t *testing.T) (l *ledger.Ledger, path string, fail, heal func()) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "volume")
	require.NoError(t, os.Mkdir(dir, 0o755))
	path = filepath.Join(dir, "payment.json")
	l = open(t, ledger.Options{Path: path})
	return l, path, func() { require.NoError(t, os.RemoveAll(dir)) }, func() { require.NoError(t, os.Mkdir(dir, 0o755)) }
}

// An error from the ledger means "not applied": a delivery whose record
// could not be written leaves neither its effect nor its counters behind,
// so its retry applies it, once, instead of being told it is a duplicate of
// an effect that was never durable (and that a restart would have lost).
//
// Fault: failure | target: the payment ledger's file, unwritable while a charge, a decline and a settle are delivered | invariant: each failed call changed nothing; its retry applies once
func TestAFailedWriteLeavesNothingApplied(t *testing.T) {
	l, path, fail, heal := failingDisk(t)
	fail()
	_, err := l.Exec(charge, chargeRule(8000))
	require.Error(t, err)
	declineKey := ledger.Key{Saga: "order-8", Step: "charge"}
	_, err = l.Exec(declineKey, func(*ledger.Tx) (ledger.Entry, error) {
		return ledger.Entry{}, &ledger.DeclinedError{Key: declineKey, Reason: "card declined"}
	})
	require.Error(t, err)
	settleKey := ledger.Key{Saga: "order-9", Step: "charge"}
	_, err = l.Settle(settleKey, "gave up")
	require.Error(t, err)

	s := l.Snapshot()
	assert.Zero(t, s.Counters["charged"], "the failed charge left no money behind")
	for _, k := range []ledger.Key{charge, declineKey, settleKey} {
		e, _ := s.Entry(k)
		assert.Empty(t, e.Effect, "%s stays open", k)
	}

	heal()
	r, err := l.Exec(charge, chargeRule(8000))
	require.NoError(t, err)
	assert.False(t, r.Duplicate, "the retry applies: nothing was applied before")
	assert.Equal(t, ledger.Applied, r.Effect)
	_, err = l.Exec(declineKey, chargeRule(100))
	require.NoError(t, err, "the decline was never recorded, so the retry is decided afresh")
	e, err := l.Settle(settleKey, "gave up")
	require.NoError(t, err)
	assert.Equal(t, ledger.Declined, e.Effect)
	assert.Equal(t, int64(8100), l.Snapshot().Counters["charged"])

	// And what was answered is what a restart finds.
	again := open(t, ledger.Options{Path: path})
	assert.Equal(t, l.Snapshot(), again.Snapshot())
}
