package backpressure

import (
	"slices"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// The chapter shows deploy/nats-server.conf as the real-server equivalent of
// the embedded server's protection: nats-server must accept it, and its
// guest must be denied exactly what natsembed denies a guest.
func TestDeployConfigDeniesTheGuestWhatTheEmbeddedServerDenies(t *testing.T) {
	t.Setenv("BACKPRESSURE_PASSWORD", "owner-secret")
	t.Setenv("GUEST_PASSWORD", "guest-secret")
	opts, err := server.ProcessConfigFile("deploy/nats-server.conf")
	require.NoError(t, err)
	require.Len(t, opts.Users, 2)
	owner, guest := opts.Users[0], opts.Users[1]
	assert.Equal(t, "backpressure", owner.Username)
	assert.Equal(t, "owner-secret", owner.Password, "the password comes from the environment")
	assert.Nil(t, owner.Permissions, "the module's own user may do anything")
	require.NotNil(t, guest.Permissions)
	want := natsembed.Permissions(ProtectedSubjects).Publish.Deny
	got := guest.Permissions.Publish.Deny
	slices.Sort(want)
	slices.Sort(got)
	assert.Equal(t, want, got)
}
