package cqrs

import (
	"context"
	"testing"

	"github.com/looplab/eventhorizon/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/kit/labtest"
)

func TestVoidIsATombstone(t *testing.T) {
	ctx := context.Background()
	id, openID, credit := uuid.New(), uuid.New(), uuid.New()
	open := func() *Account {
		a := NewAccount(id)
		e := (&history{id: id}).add(AccountOpened, &AccountOpenedData{Owner: "payee"}, openID).events[0]
		require.NoError(t, a.ApplyEvent(ctx, e))
		a.SetAggregateVersion(1)
		return a
	}
	apply := func(t *testing.T, a *Account) {
		t.Helper()
		for _, e := range a.UncommittedEvents() {
			require.NoError(t, a.ApplyEvent(ctx, e))
			a.SetAggregateVersion(e.Version())
		}
		a.ClearUncommittedEvents()
	}

	t.Run("void an open command: recorded, and the command is absorbed when it arrives", func(t *testing.T) {
		a := open()
		require.NoError(t, a.HandleCommand(ctx, &Void{AccountID: id, ID: credit, Reason: "the sender gave up"}))
		require.Len(t, a.UncommittedEvents(), 1)
		assert.Equal(t, CommandVoided, a.UncommittedEvents()[0].EventType())
		apply(t, a)
		assert.True(t, a.Voided(credit))
		require.NoError(t, a.HandleCommand(ctx, &Deposit{AccountID: id, ID: credit, Amount: 300}))
		assert.Empty(t, a.UncommittedEvents(), "the late deposit changes nothing")
		assert.Zero(t, a.Balance())
	})
	t.Run("void an applied command: nothing recorded, it stays applied", func(t *testing.T) {
		a := open()
		require.NoError(t, a.HandleCommand(ctx, &Deposit{AccountID: id, ID: credit, Amount: 300}))
		apply(t, a)
		require.NoError(t, a.HandleCommand(ctx, &Void{AccountID: id, ID: credit}))
		assert.Empty(t, a.UncommittedEvents())
		assert.True(t, a.Applied(credit))
		assert.False(t, a.Voided(credit))
		assert.Equal(t, int64(300), a.Balance())
	})
	t.Run("dedupe off does not undo a tombstone's own check", func(t *testing.T) {
		a := open()
		require.NoError(t, a.HandleCommand(ctx, &Deposit{AccountID: id, ID: credit, Amount: 300}))
		apply(t, a)
		require.NoError(t, a.HandleCommand(withoutDedupe(ctx), &Void{AccountID: id, ID: credit}))
		assert.Empty(t, a.UncommittedEvents())
	})
	t.Run("an account that was never opened", func(t *testing.T) {
		err := NewAccount(id).HandleCommand(ctx, &Void{AccountID: id, ID: credit})
		assert.ErrorIs(t, err, ErrAccountNotOpen)
	})
}

// A late attempt and the tombstone race on a real log, from two writers:
// the server orders them, and whichever lands second finds the first. The
// account ends with the money or with the tombstone, never both, never
// neither.
//
// Fault: conflict | target: a late attempt and its tombstone, from two writers on a real log | invariant: the account ends with the money or with the tombstone, never both, never neither
func TestVoidRacesTheCommandItVoids(t *testing.T) {
	srv := labtest.NATS(t)
	ctx := context.Background()
	store1, late := writer(t, srv.ClientURL())
	_, settler := writer(t, srv.ClientURL())
	acct := openAccount(t, late, "payee")
	var credited int64
	for range 20 {
		credit := uuid.New()
		var g errgroup.Group
		g.Go(func() error { return late.HandleCommand(ctx, &Deposit{AccountID: acct, ID: credit, Amount: 100}) })
		g.Go(func() error { return settler.HandleCommand(ctx, &Void{AccountID: acct, ID: credit, Reason: "settled"}) })
		require.NoError(t, g.Wait())
		a, err := settler.Account(ctx, acct)
		require.NoError(t, err)
		require.True(t, a.Applied(credit), "decided one way or the other")
		if !a.Voided(credit) {
			credited += 100
		}
		assert.Equal(t, credited, a.Balance(), "the money moved exactly when the credit was not voided")
	}
	models := NewReadModels()
	_, err := store1.Replay(ctx, models)
	require.NoError(t, err)
	total, err := models.Total(ctx)
	require.NoError(t, err)
	assert.Equal(t, credited, total, "the read models fold the tombstones as no movement")
	audit := audit(t, store1)
	assert.Empty(t, audit.AppliedTwice(), "one event per command: the credit or its tombstone")
}
