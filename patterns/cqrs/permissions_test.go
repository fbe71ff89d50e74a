package cqrs

import (
	"context"
	"fmt"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// The nats-server.conf the chapter shows for a real server: it denies a
// guest exactly what the embedded server denies, and with it the ledger
// works while a guest's forged event is refused.
func TestNATSServerConfigProtectsTheLedger(t *testing.T) {
	t.Setenv("LEDGER_PASSWORD", "ledger-secret")
	t.Setenv("GUEST_PASSWORD", "guest-secret")
	conf, err := server.ProcessConfigFile("nats-server.conf")
	require.NoError(t, err)
	var guest *server.User
	for _, u := range conf.Users {
		if u.Username == "guest" {
			guest = u
		}
	}
	require.NotNil(t, guest, "the config has a guest user")
	assert.ElementsMatch(t, natsembed.Permissions(DefaultLog().Subjects()).Publish.Deny, guest.Permissions.Publish.Deny,
		"the file and the embedded server deny the same subjects")

	srv := labtest.NATS(t, func(o *natsembed.Options) {
		o.Configure = func(so *server.Options) { so.Users = conf.Users }
	})
	url := func(user, pass string) string {
		return fmt.Sprintf("nats://%s:%s@127.0.0.1:%d", user, pass, srv.Port())
	}
	store, l := writer(t, url("ledger", "ledger-secret"))
	alice := openAccount(t, l, "alice")
	before, err := store.stream.Info(context.Background())
	require.NoError(t, err)

	g := labtest.Conn(t, url("guest", "guest-secret"), nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	require.NoError(t, g.Publish("ledger.Account."+alice.String(), []byte(`{"forged":true}`)))
	require.NoError(t, g.Flush())
	assert.ErrorIs(t, g.LastError(), nats.ErrPermissionViolation)
	after, err := store.stream.Info(context.Background())
	require.NoError(t, err)
	assert.Equal(t, before.State.LastSeq, after.State.LastSeq)
}
