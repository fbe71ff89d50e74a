package cqrs

import (
	"context"
	"testing"

	"github.com/looplab/eventhorizon/eventstore"
	"github.com/looplab/eventhorizon/eventstore/memory"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// newTestStore starts a server for the test and returns a store on it.
func newTestStore(t testing.TB) (*EventStore, Log) {
	t.Helper()
	return newStoreOn(t, labtestNATS(t))
}

// labtestNATS starts a server (JetStream, file storage) for the test.
func labtestNATS(t testing.TB) *natsembed.Server { return labtest.NATS(t) }

// newStoreOn returns a store on its own connection to srv.
func newStoreOn(t testing.TB, srv *natsembed.Server) (*EventStore, Log) {
	t.Helper()
	js := labtest.JetStream(t, srv.ClientURL())
	l := DefaultLog()
	store, err := NewEventStore(context.Background(), js, l)
	require.NoError(t, err)
	return store, l
}

// TestEventStoreAcceptance runs eventhorizon's own acceptance suite for event
// stores against the JetStream store.
func TestEventStoreAcceptance(t *testing.T) {
	store, _ := newTestStore(t)
	eventstore.AcceptanceTest(t, store, context.Background())
}

// TestMemoryStoreAcceptance runs the same suite against eventhorizon's memory
// store, the reference the benchmarks compare with.
func TestMemoryStoreAcceptance(t *testing.T) {
	store, err := memory.NewEventStore()
	require.NoError(t, err)
	eventstore.AcceptanceTest(t, store, context.Background())
}
