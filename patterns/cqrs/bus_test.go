package cqrs

import (
	"context"
	"testing"
	"time"

	"github.com/looplab/eventhorizon/eventbus"
	ehnats "github.com/looplab/eventhorizon/eventbus/nats"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
)

// TestEventBusAcceptance runs eventhorizon's acceptance suite for event buses
// against the JetStream bus: two buses with the same app ID, on two
// connections, sharing the work.
func TestEventBusAcceptance(t *testing.T) {
	srv := labtest.NATS(t)
	ctx := context.Background()
	bus1, err := NewEventBus(ctx, labtest.JetStream(t, srv.ClientURL()), DefaultLog(), "acceptance")
	require.NoError(t, err)
	bus2, err := NewEventBus(ctx, labtest.JetStream(t, srv.ClientURL()), DefaultLog(), "acceptance")
	require.NoError(t, err)
	eventbus.AcceptanceTest(t, bus1, bus2, time.Second)
}

// TestEventBusAddHandler runs eventhorizon's handler-registration checks.
func TestEventBusAddHandler(t *testing.T) {
	srv := labtest.NATS(t)
	bus, err := NewEventBus(context.Background(), labtest.JetStream(t, srv.ClientURL()), DefaultLog(), "add-handler")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, bus.Close()) })
	eventbus.TestAddHandler(t, bus)
}

// TestEventhorizonNATSBusAcceptance records that eventhorizon's own NATS bus
// (legacy JetStreamContext API) passes the same suite against this server
// version. The ledger does not use it: it publishes to a stream of its own,
// which would make every command a second, separate write after the store's.
func TestEventhorizonNATSBusAcceptance(t *testing.T) {
	srv := labtest.NATS(t)
	bus1, err := ehnats.NewEventBus(srv.ClientURL(), "ehbus")
	require.NoError(t, err)
	bus2, err := ehnats.NewEventBus(srv.ClientURL(), "ehbus")
	require.NoError(t, err)
	eventbus.AcceptanceTest(t, bus1, bus2, time.Second)
}
