package labtest_test

import (
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
)

func TestConnMsgsCountsOneConnectionsMessages(t *testing.T) {
	srv := labtest.NATS(t)
	nc, err := nats.Connect(srv.ClientURL(), nats.Name("counted"))
	require.NoError(t, err)
	defer nc.Close()
	other := labtest.Conn(t, srv.ClientURL())
	sub, err := nc.SubscribeSync("x")
	require.NoError(t, err)
	require.NoError(t, nc.Flush()) // the subscription is at the server before the other's publish
	for range 3 {
		require.NoError(t, nc.Publish("x", nil))
	}
	require.NoError(t, other.Publish("x", nil))
	for range 4 {
		_, err := sub.NextMsg(5e9)
		require.NoError(t, err)
	}
	require.NoError(t, nc.Flush())
	in, out := labtest.ConnMsgs(t, srv.NATS(), "counted")
	require.Equal(t, int64(3), in, "its own publishes")
	require.Equal(t, int64(4), out, "every delivery to it, its own and the other's")
	in, out = labtest.ConnMsgs(t, srv.NATS(), "nobody")
	require.Zero(t, in+out)
}
