package cqrs

import (
	"context"
	"testing"

	"github.com/looplab/eventhorizon/eventstore"
	"github.com/looplab/eventhorizon/eventstore/memory"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
)

// newTestStore starts a server for the test and returns a store on it.
func newTestStore(t testing.TB) (*EventStore, Log) {
	t.Helper()
	srv := labtest.NATS(t)
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
