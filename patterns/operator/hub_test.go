package operator

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
)

// TestKVHub runs the registry against a real nats-server with JetStream.
func TestKVHub(t *testing.T) {
	ctx := context.Background()
	srv := labtest.NATS(t)
	hub, err := NewKVHub(ctx, labtest.JetStream(t, srv.ClientURL()))
	require.NoError(t, err)

	_, err = hub.Lookup(ctx, "plant-7")
	require.ErrorIs(t, err, ErrNotRegistered)

	reg := RegistrationFor(testSite())
	changed, err := hub.Register(ctx, reg)
	require.NoError(t, err)
	assert.True(t, changed, "first registration")
	changed, err = hub.Register(ctx, reg)
	require.NoError(t, err)
	assert.False(t, changed, "same registration again writes nothing")

	got, err := hub.Lookup(ctx, "plant-7")
	require.NoError(t, err)
	assert.Equal(t, reg, got)

	reg.MaxAge = "72h"
	changed, err = hub.Register(ctx, reg)
	require.NoError(t, err)
	assert.True(t, changed, "changed retention")

	thief := reg
	thief.Site = "other/plant-7"
	_, err = hub.Register(ctx, thief)
	require.ErrorIs(t, err, ErrPlantClaimed, "another EdgeSite cannot take the plant")

	require.NoError(t, hub.Deregister(ctx, "plant-7"))
	require.NoError(t, hub.Deregister(ctx, "plant-7"), "deregistering twice is fine (finalizers run again)")
	_, err = hub.Lookup(ctx, "plant-7")
	require.ErrorIs(t, err, ErrNotRegistered)

	changed, err = hub.Register(ctx, thief)
	require.NoError(t, err)
	assert.True(t, changed, "a freed plant can be registered by another EdgeSite")
}

// TestKVHubDown: with the hub stopped, calls fail within HubTimeout instead
// of holding a reconcile worker.
func TestKVHubDown(t *testing.T) {
	ctx := context.Background()
	srv := labtest.NATS(t)
	hub, err := NewKVHub(ctx, labtest.JetStream(t, srv.ClientURL()))
	require.NoError(t, err)
	srv.Stop()
	_, err = hub.Register(ctx, RegistrationFor(testSite()))
	require.Error(t, err)
	require.NoError(t, srv.Restart())
}
