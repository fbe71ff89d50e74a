package cqrs

import (
	"context"
	"testing"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// publishRaw stores a message on the log as a client with the ledger's
// credentials but not its code would: no version check, any payload.
func publishRaw(t *testing.T, url, subject string, data []byte, hdr nats.Header) uint64 {
	t.Helper()
	js := labtest.JetStream(t, url)
	m := &nats.Msg{Subject: subject, Data: data, Header: hdr}
	ack, err := js.PublishMsg(context.Background(), m)
	require.NoError(t, err)
	return ack.Sequence
}

// encoded is the payload the store would write for e.
func encoded(t *testing.T, e eh.Event) []byte {
	t.Helper()
	m, err := newCodec(DefaultLog()).encode(context.Background(), e)
	require.NoError(t, err)
	return m.Data
}

// One foreign message used to make every later replay fail (and it can never
// be removed: the log denies delete and purge). Now a replay skips it, says
// which and why, and keeps going.
//
// Fault: bad-input | target: the log, a foreign message on it | invariant: a replay skips it, says which and why, and keeps going
func TestReplaySkipsAndCountsWhatIsNotHistory(t *testing.T) {
	srv := labtest.NATS(t)
	ctx := context.Background()
	store, l := writer(t, srv.ClientURL())
	alice := openAccount(t, l, "alice")
	require.NoError(t, l.HandleCommand(ctx, &Deposit{AccountID: alice, ID: uuid.New(), Amount: 500}))

	garbage := publishRaw(t, srv.ClientURL(), "ledger.Account."+alice.String(), []byte(`{"amount": 100}`), nil)
	notAnID := publishRaw(t, srv.ClientURL(), "ledger.Account.bob", []byte(`hello`), nil)
	stale := publishRaw(t, srv.ClientURL(), "ledger.Account."+alice.String(), encoded(t,
		eh.NewEvent(MoneyDeposited, &MoneyMovedData{Amount: 7}, time.Now(), eh.ForAggregate(AccountType, alice, 2))), nil)
	require.NoError(t, l.HandleCommand(ctx, &Deposit{AccountID: alice, ID: uuid.New(), Amount: 250}))

	a := NewAudit()
	r, err := store.Replay(ctx, a)
	require.NoError(t, err, "a foreign message does not fail the whole log")
	assert.Equal(t, 3, r.Events)
	assert.Equal(t, int64(750), a.Total)
	require.Len(t, r.Skipped, 3)
	assert.Equal(t, []uint64{garbage, notAnID, stale}, []uint64{r.Skipped[0].Seq, r.Skipped[1].Seq, r.Skipped[2].Seq})
	assert.ErrorIs(t, r.Skipped[0].Err, ErrMalformedEvent)
	assert.ErrorIs(t, r.Skipped[1].Err, ErrMalformedEvent)
	assert.ErrorIs(t, r.Skipped[2].Err, ErrNotNextVersion, "a second v2: an append on a stale version")

	store.failOnForeign = true // the demo's -skip-malformed=false: the old behaviour
	_, err = store.Replay(ctx, NewAudit())
	assert.ErrorIs(t, err, ErrMalformedEvent)
}

// A foreign message on an account's subject used to lock the account for
// good: its loads failed, and its appends expected a sequence the subject no
// longer ended at. Now the account skips it and keeps working; so does a new
// account whose subject a stranger wrote first.
//
// Fault: bad-input | target: an account's subject, written by a stranger | invariant: the account skips the foreign message and keeps working
func TestForeignMessageDoesNotLockTheAccount(t *testing.T) {
	srv := labtest.NATS(t)
	ctx := context.Background()
	_, l := writer(t, srv.ClientURL())
	_, other := writer(t, srv.ClientURL()) // a second process with a cold head cache
	alice := openAccount(t, l, "alice")
	publishRaw(t, srv.ClientURL(), "ledger.Account."+alice.String(), []byte(`{"amount": 100}`), nil)
	require.NoError(t, l.HandleCommand(ctx, &Deposit{AccountID: alice, ID: uuid.New(), Amount: 300}))
	require.NoError(t, other.HandleCommand(ctx, &Deposit{AccountID: alice, ID: uuid.New(), Amount: 200}))
	acc, err := l.Account(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, int64(500), acc.Balance())
	assert.Equal(t, 3, acc.AggregateVersion())

	bob := uuid.New()
	publishRaw(t, srv.ClientURL(), "ledger.Account."+bob.String(), []byte(`not json`), nil)
	require.NoError(t, l.HandleCommand(ctx, &OpenAccount{AccountID: bob, ID: uuid.New(), Owner: "bob"}))
	require.NoError(t, l.HandleCommand(ctx, &Deposit{AccountID: bob, ID: uuid.New(), Amount: 1}))
	acc, err = other.Account(ctx, bob)
	require.NoError(t, err)
	assert.Equal(t, int64(1), acc.Balance())
	assert.Zero(t, l.Conflicts()+other.Conflicts(), "loading moved the head past the foreign message: no append was refused")
}

// The bus used to terminate an undecodable message without a reason. Now
// both projectors refuse it into one dead letter (reason, original subject
// and headers, its log sequence), acknowledge it, and keep projecting.
//
// Fault: bad-input | target: the projectors, a message the bus cannot decode | invariant: one dead letter with the reason, subject, headers and sequence; projecting goes on
func TestBusDeadLettersWhatItCannotDecode(t *testing.T) {
	srv := labtest.NATS(t)
	ctx := context.Background()
	_, l := writer(t, srv.ClientURL())
	models := NewReadModels()
	p, err := startProjectors(ctx, srv.ClientURL(), DefaultLog(), models, time.Second, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.stop() })

	alice := customer{"alice", openAccount(t, l, "alice")}
	hdr := nats.Header{"Legacy-Tool": []string{"v1"}}
	seq := publishRaw(t, srv.ClientURL(), "ledger.Account."+alice.id.String(), []byte(`{"amount": 100}`), hdr)
	require.NoError(t, l.HandleCommand(ctx, &Deposit{AccountID: alice.id, ID: uuid.New(), Amount: 300}))
	require.NoError(t, waitCaughtUp(ctx, l, models, []customer{alice}, time.Minute))

	letters, err := DeadLetters(ctx, labtest.JetStream(t, srv.ClientURL()), DefaultLog())
	require.NoError(t, err)
	require.Len(t, letters, 1, "two projectors refused it: one letter")
	assert.Equal(t, seq, LetterSequence(letters[0]))
	assert.Equal(t, "ledger.Account."+alice.id.String(), letters[0].Subject)
	assert.Contains(t, letters[0].Reason, ErrMalformedEvent.Error())
	assert.Equal(t, "v1", letters[0].Header.Get("Legacy-Tool"))
	assert.Equal(t, []byte(`{"amount": 100}`), letters[0].Data)
	total, err := models.Total(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(300), total)
}

// Anyone could publish on the ledger's subjects. On a server that protects
// them, only the ledger's own user can: a guest's forged event is refused
// and the log does not change.
//
// Fault: bad-input | target: the ledger's subjects, a guest's forged event | invariant: refused by the server; the log does not change
func TestGuestCannotWriteTheLog(t *testing.T) {
	srv := labtest.NATS(t, func(o *natsembed.Options) { o.Protect = DefaultLog().Subjects() })
	ctx := context.Background()
	store, l := writer(t, srv.ClientURL())
	alice := openAccount(t, l, "alice")
	before, err := store.stream.Info(ctx)
	require.NoError(t, err)

	guest := labtest.Conn(t, srv.GuestURL(), nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	forged := encoded(t, eh.NewEvent(MoneyDeposited, &MoneyMovedData{Amount: 1_000_000}, time.Now(), eh.ForAggregate(AccountType, alice, 2)))
	for _, subject := range []string{"ledger.Account." + alice.String(), DefaultLog().DeadLetterSubject() + ".undecodable"} {
		require.NoError(t, guest.Publish(subject, forged))
		require.NoError(t, guest.Flush())
		assert.ErrorIs(t, guest.LastError(), nats.ErrPermissionViolation, subject)
	}
	after, err := store.stream.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, before.State.LastSeq, after.State.LastSeq, "nothing of the guest's was stored")
}
