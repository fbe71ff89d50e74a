package cqrs

import (
	"context"
	"testing"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
)

// A load reads the aggregate's payloads without headers only when it can
// show they are exactly its messages up to the leader's last sequence; the
// read says so, and declines otherwise.
func TestReadSubjectIsExactOrDeclines(t *testing.T) {
	ctx := context.Background()
	store, _ := newTestStore(t)
	id := uuid.New()
	const size = pageSize + 88 // two pages
	for v := 0; v < size; {
		n := min(100, size-v)
		events := make([]eh.Event, n)
		for i := range events {
			events[i] = deposit(id, v+i+1)
		}
		require.NoError(t, store.Save(ctx, events, v))
		v += n
	}
	filter := store.log.aggregateFilter(id)
	upTo, subject, err := leaderLastSeq(ctx, store.nc, store.log.Stream, filter)
	require.NoError(t, err)
	require.Equal(t, "ledger.Account."+id.String(), subject)

	r, err := readSubject(ctx, store.nc, store.log.Stream, filter, subject, upTo)
	require.NoError(t, err)
	assert.True(t, r.exact, "one subject, read up to the leader's last")
	assert.Len(t, r.payloads, size)

	r, err = readSubject(ctx, store.nc, store.log.Stream, filter, subject, upTo-1)
	require.NoError(t, err)
	assert.False(t, r.exact, "a read that went past the bound (an append landed meanwhile) is not exact")

	r, err = readSubject(ctx, store.nc, store.log.Stream, filter, subject, upTo+1)
	require.NoError(t, err)
	assert.False(t, r.exact, "a replica that does not hold the bound yet is not exact")
}

// Whichever way a load reads (payloads of one subject, or every subject of
// the aggregate in stream order with headers), it folds the same history
// and remembers the same heads: messages of the aggregate's ID under another
// type's subject send it the full way.
//
// Fault: bad-input | target: the log, a message under another type's subject with the aggregate's ID | invariant: a load folds the same history as the stream-order read
func TestLoadReadsTheSameHistoryEitherWay(t *testing.T) {
	for name, foreign := range map[string]func(t *testing.T, url string, id uuid.UUID){
		"one subject": func(*testing.T, string, uuid.UUID) {},
		"garbage under another type, last": func(t *testing.T, url string, id uuid.UUID) {
			publishRaw(t, url, "ledger.Loan."+id.String(), []byte(`{"amount": 1}`), nil)
		},
		"an event of another type, first": func(t *testing.T, url string, id uuid.UUID) {
			publishRaw(t, url, "ledger.Loan."+id.String(), encodedAs(t, "Loan", id, 1), nil)
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			srv := labtest.NATS(t)
			store, _ := newStoreOn(t, srv)
			id := uuid.New()
			if name == "an event of another type, first" {
				foreign(t, srv.ClientURL(), id)
			}
			for v := range 5 {
				require.NoError(t, store.Save(ctx, []eh.Event{deposit(id, v+1)}, v))
			}
			if name != "an event of another type, first" {
				foreign(t, srv.ClientURL(), id)
			}
			var loaded []eh.Event
			v, last, err := store.history(ctx, id, func(e eh.Event) { loaded = append(loaded, e) })
			require.NoError(t, err)

			var inOrder []eh.Event
			upTo, _, err := leaderLastSeq(ctx, store.nc, store.log.Stream, store.log.aggregateFilter(id))
			require.NoError(t, err)
			wantV, wantLast, err := store.historyInOrder(ctx, id, store.log.aggregateFilter(id), upTo, func(e eh.Event) { inOrder = append(inOrder, e) })
			require.NoError(t, err)

			assert.Equal(t, wantV, v, "version")
			assert.Equal(t, wantLast, last, "last sequence per subject")
			require.Len(t, loaded, len(inOrder))
			for i := range inOrder {
				require.NoError(t, eh.CompareEvents(inOrder[i], loaded[i]), "event %d", i)
			}
		})
	}
}

// encodedAs is the payload of a deposit event of aggregate type t.
func encodedAs(t *testing.T, typ eh.AggregateType, id uuid.UUID, version int) []byte {
	t.Helper()
	m, err := newCodec(DefaultLog()).encode(context.Background(),
		eh.NewEvent(MoneyDeposited, &MoneyMovedData{Amount: 1}, time.Now(), eh.ForAggregate(typ, id, version)))
	require.NoError(t, err)
	return m.Data
}
