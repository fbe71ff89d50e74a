package natsembed_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/poll"
)

func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }

func TestStartListensOnLoopbackWithJetStream(t *testing.T) {
	s := labtest.NATS(t)
	assert.Regexp(t, `^nats://127\.0\.0\.1:\d+$`, s.ClientURL())
	js := labtest.JetStream(t, s.ClientURL())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := js.AccountInfo(ctx)
	require.NoError(t, err, "JetStream should be enabled")
}

func TestRestartKeepsAcknowledgedMessages(t *testing.T) {
	s := labtest.NATS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	reconnected := make(chan struct{}, 1)
	nc := labtest.Conn(t, s.ClientURL(), nats.ReconnectHandler(func(*nats.Conn) { reconnected <- struct{}{} }))
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}, Storage: jetstream.FileStorage})
	require.NoError(t, err)
	for range 5 {
		_, err := js.Publish(ctx, "s.x", []byte("m"))
		require.NoError(t, err)
	}
	port := s.Port()

	require.NoError(t, s.Restart())
	assert.Equal(t, port, s.Port(), "restart keeps the port so clients reconnect")

	// Wait on the reconnect itself, then for JetStream to have recovered
	// the stream: each probe is short, so a probe sent while the server
	// was still recovering cannot use up the whole deadline.
	select {
	case <-reconnected:
	case <-ctx.Done():
		t.Fatal("the client did not reconnect after the restart")
	}
	var msgs uint64
	err = poll.Until(ctx, 20*time.Millisecond, func() (bool, error) {
		probe, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		st, err := js.Stream(probe, "S")
		if err != nil {
			return false, nil
		}
		msgs = st.CachedInfo().State.Msgs
		return true, nil
	})
	require.NoError(t, err, "the stream is back after the restart")
	assert.Equal(t, uint64(5), msgs, "all 5 acknowledged messages survive the restart")
}

func TestShutdownRemovesTemporaryStore(t *testing.T) {
	s, err := natsembed.Start(natsembed.Options{})
	require.NoError(t, err)
	dir := s.StoreDir()
	require.DirExists(t, dir)
	s.Shutdown()
	s.Shutdown() // idempotent
	assert.NoDirExists(t, dir)
}

func TestShutdownKeepsGivenStore(t *testing.T) {
	dir := t.TempDir()
	s, err := natsembed.Start(natsembed.Options{StoreDir: dir})
	require.NoError(t, err)
	s.Shutdown()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.NotEmpty(t, entries, "a store the caller owns is left in place")
}

func TestFromEnv(t *testing.T) {
	t.Run("embedded by default", func(t *testing.T) {
		t.Setenv(natsembed.EnvURL, "")
		tg, err := natsembed.FromEnv(natsembed.Options{})
		require.NoError(t, err)
		defer tg.Close()
		assert.False(t, tg.External())
		assert.Contains(t, tg.Describe(), "embedded")
	})
	t.Run("external when NATS_URL is set", func(t *testing.T) {
		s := labtest.NATS(t)
		t.Setenv(natsembed.EnvURL, s.ClientURL())
		tg, err := natsembed.FromEnv(natsembed.Options{})
		require.NoError(t, err)
		defer tg.Close()
		assert.True(t, tg.External())
		assert.Equal(t, s.ClientURL(), tg.URL)
		nc, err := natsembed.Connect(tg.URL, "probe")
		require.NoError(t, err)
		nc.Close()
	})
}

func TestConnectErrorNamesTheTarget(t *testing.T) {
	_, err := natsembed.Connect("nats://127.0.0.1:1", "probe")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connect probe to nats://127.0.0.1:1")
}
