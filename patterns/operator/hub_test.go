package operator

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
)

// testHubContract is what every Hub must do, the in-memory one of the unit
// tests as much as the one on JetStream.
func testHubContract(t *testing.T, hub Hub) {
	ctx := context.Background()
	_, err := hub.Lookup(ctx, "plant-7")
	require.ErrorIs(t, err, ErrNotRegistered)

	site := testSite()
	site.UID = "owner-uid"
	reg := RegistrationFor(site)
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
	thief.Site, thief.UID = "other/plant-7", "thief-uid"
	_, err = hub.Register(ctx, thief)
	require.ErrorIs(t, err, ErrPlantClaimed, "another EdgeSite cannot take the plant")
	removed, err := hub.Deregister(ctx, thief)
	require.NoError(t, err)
	assert.False(t, removed, "nor remove it")
	older := reg
	older.UID = "a-deleted-incarnation"
	removed, err = hub.Deregister(ctx, older)
	require.NoError(t, err)
	assert.False(t, removed, "an EdgeSite of the same name but another uid is another owner")
	got, err = hub.Lookup(ctx, "plant-7")
	require.NoError(t, err)
	assert.Equal(t, reg, got, "the owner's registration is untouched")

	removed, err = hub.Deregister(ctx, reg)
	require.NoError(t, err)
	assert.True(t, removed, "the owner removes its own")
	removed, err = hub.Deregister(ctx, reg)
	require.NoError(t, err)
	assert.False(t, removed, "deregistering twice is fine (finalizers run again)")
	_, err = hub.Lookup(ctx, "plant-7")
	require.ErrorIs(t, err, ErrNotRegistered)

	changed, err = hub.Register(ctx, thief)
	require.NoError(t, err)
	assert.True(t, changed, "a freed plant can be registered by another EdgeSite")
	older = thief
	older.UID, older.MaxAge = "a-new-incarnation", "1h"
	changed, err = hub.Register(ctx, older)
	require.NoError(t, err)
	assert.True(t, changed, "a new incarnation of the owner (same name, new uid) takes its registration over")
}

// TestKVHub runs the registry against a real nats-server with JetStream.
func TestKVHub(t *testing.T) {
	srv := labtest.NATS(t)
	hub, err := NewKVHub(context.Background(), labtest.JetStream(t, srv.ClientURL()))
	require.NoError(t, err)
	testHubContract(t, hub)
}

// TestMemHub holds the unit tests' hub to the same contract.
func TestMemHub(t *testing.T) { testHubContract(t, newMemHub()) }

// TestKVHubLeavesWhatItCannotRead: bytes under a plant's key that are not a
// registration are someone else's: neither overwritten nor removed.
//
// Fault: bad-input | target: the hub registry, bytes under a plant's key that are not a registration | invariant: they are neither overwritten nor removed
func TestKVHubLeavesWhatItCannotRead(t *testing.T) {
	ctx := context.Background()
	srv := labtest.NATS(t)
	js := labtest.JetStream(t, srv.ClientURL())
	hub, err := NewKVHub(ctx, js)
	require.NoError(t, err)
	kv, err := js.KeyValue(ctx, HubBucket)
	require.NoError(t, err)
	_, err = kv.Put(ctx, "plant-7", []byte("not json"))
	require.NoError(t, err)
	reg := RegistrationFor(testSite())
	_, err = hub.Register(ctx, reg)
	require.ErrorContains(t, err, "does not decode")
	removed, err := hub.Deregister(ctx, reg)
	require.NoError(t, err)
	assert.False(t, removed)
	entry, err := kv.Get(ctx, "plant-7")
	require.NoError(t, err)
	assert.Equal(t, "not json", string(entry.Value()))
}

// TestKVHubDown: with the hub stopped, calls fail within HubTimeout instead
// of holding a reconcile worker.
//
// Fault: failure | target: the hub's nats-server, stopped | invariant: calls fail within HubTimeout instead of holding a reconcile worker
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
