package natsembed_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// The owner writes the protected stream; a guest cannot publish on its
// subjects, nor delete or purge it through the JetStream API, but may
// publish elsewhere.
func TestProtectKeepsForeignPublishersOffTheModuleSubjects(t *testing.T) {
	s := labtest.NATS(t, func(o *natsembed.Options) { o.Protect = []string{"ledger.>"} })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	owner := labtest.JetStream(t, s.ClientURL())
	_, err := owner.CreateStream(ctx, jetstream.StreamConfig{Name: "LEDGER", Subjects: []string{"ledger.>"}})
	require.NoError(t, err)
	_, err = owner.Publish(ctx, "ledger.a", []byte("owner"))
	require.NoError(t, err)

	denied := make(chan error, 4)
	guest := labtest.Conn(t, s.GuestURL(), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { denied <- err }))
	require.NoError(t, guest.Publish("ledger.a", []byte("foreign")))
	require.NoError(t, guest.Flush())
	select {
	case err := <-denied:
		assert.True(t, errors.Is(err, nats.ErrPermissionViolation), "got %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("the guest's publish on a protected subject was not refused")
	}
	gjs, err := jetstream.New(guest)
	require.NoError(t, err)
	short, cancelShort := context.WithTimeout(ctx, time.Second)
	defer cancelShort()
	assert.Error(t, gjs.DeleteStream(short, "LEDGER"), "the guest cannot delete the stream")

	st, err := owner.Stream(ctx, "LEDGER")
	require.NoError(t, err)
	info, err := st.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(1), info.State.Msgs, "only the owner's message is stored")

	require.NoError(t, guest.Publish("elsewhere", []byte("ok")))
	require.NoError(t, guest.Flush())
	assert.Regexp(t, `^nats://owner:xxxxx@127\.0\.0\.1:\d+$`, natsembed.Redact(s.ClientURL()))
}

func TestProtectSurvivesRestart(t *testing.T) {
	s := labtest.NATS(t, func(o *natsembed.Options) { o.Protect = []string{"x.>"} })
	url := s.ClientURL()
	require.NoError(t, s.Restart())
	assert.Equal(t, url, s.ClientURL(), "same credentials after a restart")
	nc := labtest.Conn(t, url)
	require.NoError(t, nc.Publish("x.y", nil))
	require.NoError(t, nc.Flush())
}

func TestUniqueAndOnClose(t *testing.T) {
	embedded := &natsembed.Target{URL: "nats://127.0.0.1:1", Embedded: &natsembed.Server{}}
	assert.Equal(t, "ORDERS", embedded.Unique("ORDERS"), "an embedded server is the demo's own")
	external := &natsembed.Target{URL: "nats://shared:4222"}
	a, b := external.Unique("ORDERS"), external.Unique("PAYMENTS")
	assert.Regexp(t, `^ORDERS_[a-z0-9]{6}$`, a)
	assert.Equal(t, a[len("ORDERS"):], b[len("PAYMENTS"):], "one run id per target")
	other := &natsembed.Target{URL: "nats://shared:4222"}
	assert.NotEqual(t, a, other.Unique("ORDERS"))

	var order []int
	external.OnClose(func() { order = append(order, 1) })
	external.OnClose(func() { order = append(order, 2) })
	external.Close()
	external.Close()
	assert.Equal(t, []int{2, 1}, order, "newest first, once")
}
