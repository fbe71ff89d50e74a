package cqrs

import (
	"context"
	"testing"
	"time"

	eh "github.com/looplab/eventhorizon"
	"github.com/looplab/eventhorizon/eventstore"
	"github.com/looplab/eventhorizon/mocks"
	"github.com/looplab/eventhorizon/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
)

// shopLog is the log of a domain that is not the ledger: its own stream,
// its own subjects, its own dead letters.
func shopLog() Log {
	return Log{Stream: "ORDERS", Prefix: "shop.orders", Replicas: 1, Duplicates: time.Minute}
}

// The store and the bus are not the ledger's: another domain, on a log of
// its own, passes eventhorizon's store suite and gets the same dead letters.
func TestAnotherDomainOnItsOwnLog(t *testing.T) {
	srv := labtest.NATS(t)
	ctx := context.Background()
	l := shopLog()
	store, err := NewEventStore(ctx, labtest.JetStream(t, srv.ClientURL()), l)
	require.NoError(t, err)
	eventstore.AcceptanceTest(t, store, ctx)

	assert.Equal(t, []string{"shop.orders.>", "shop.orders-dlq.>"}, l.Subjects())
	bus, err := NewEventBus(ctx, labtest.JetStream(t, srv.ClientURL()), l, "shop")
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close() })
	h := mocks.NewEventHandler("order-view")
	require.NoError(t, bus.AddHandler(ctx, eh.MatchAll{}, h))

	id := uuid.New()
	seq := publishRaw(t, srv.ClientURL(), "shop.orders."+string(mocks.AggregateType)+"."+id.String(), []byte("{"), nil)
	e := eh.NewEvent(mocks.EventType, &mocks.EventData{Content: "placed"}, time.Now(), eh.ForAggregate(mocks.AggregateType, id, 1))
	err = store.Save(ctx, []eh.Event{e}, 0)
	require.ErrorIs(t, err, eh.ErrEventConflictFromOtherSave, "a stranger wrote on the new order's subject first")
	require.NoError(t, store.Save(ctx, []eh.Event{e}, 0), "sent again, the append expects the stranger's sequence")
	require.True(t, h.Wait(30*time.Second), "the handler gets the event after the bad message")

	letters, err := DeadLetters(ctx, labtest.JetStream(t, srv.ClientURL()), l)
	require.NoError(t, err)
	require.Len(t, letters, 1)
	assert.Equal(t, seq, LetterSequence(letters[0]))
	events, err := store.Load(ctx, id)
	require.NoError(t, err)
	assert.Len(t, events, 1)
}
