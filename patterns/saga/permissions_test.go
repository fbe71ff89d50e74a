package saga_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/patterns/saga"
)

// The chapter's nats-server configuration for a shared server denies the
// guest exactly what the demo's embedded server denies it, and a server
// started from it refuses the guest's publish on the saga's subjects.
func TestTheSharedServerConfigProtectsTheSagaSubjects(t *testing.T) {
	t.Setenv("SAGA_PASSWORD", "s3cret-saga")
	t.Setenv("GUEST_PASSWORD", "s3cret-guest")
	opts, err := server.ProcessConfigFile("deploy/nats-server.conf")
	require.NoError(t, err)
	users := map[string]*server.User{}
	for _, u := range opts.Users {
		users[u.Username] = u
	}
	require.Contains(t, users, "saga")
	require.Contains(t, users, "guest")
	assert.Nil(t, users["saga"].Permissions, "the lab's own user may do anything")
	assert.Equal(t, "s3cret-saga", users["saga"].Password, "from the environment")
	assert.ElementsMatch(t, natsembed.Permissions(saga.ProtectedSubjects()).Publish.Deny, users["guest"].Permissions.Publish.Deny)

	opts.Host, opts.Port, opts.StoreDir, opts.NoSigs, opts.NoLog = "127.0.0.1", -1, t.TempDir(), true, true
	s, err := server.NewServer(opts)
	require.NoError(t, err)
	go s.Start()
	t.Cleanup(s.Shutdown)
	require.True(t, s.ReadyForConnections(10*time.Second))
	denied := make(chan error, 1)
	guest, err := nats.Connect(s.ClientURL(), nats.UserInfo("guest", "s3cret-guest"),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { denied <- err }))
	require.NoError(t, err)
	t.Cleanup(guest.Close)
	require.NoError(t, guest.Publish("chor.events.payment.charged", []byte("forged")))
	require.NoError(t, guest.Flush())
	select {
	case err := <-denied:
		assert.True(t, errors.Is(err, nats.ErrPermissionViolation), "got %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the guest's publish was not refused")
	}
}
