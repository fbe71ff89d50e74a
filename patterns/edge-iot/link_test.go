package edgeiot

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoServer accepts connections and echoes lines until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { // owned by the test: ends when the listener closes
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }() // ends when the peer closes
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

func roundTrip(t *testing.T, c net.Conn, msg string) (string, error) {
	t.Helper()
	require.NoError(t, c.SetDeadline(time.Now().Add(2*time.Second)))
	if _, err := c.Write([]byte(msg + "\n")); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

func TestLinkRelaysCutsAndRestores(t *testing.T) {
	l, err := NewLink(echoServer(t))
	require.NoError(t, err)
	defer l.Close()

	c, err := net.Dial("tcp", l.Addr())
	require.NoError(t, err)
	defer c.Close()
	got, err := roundTrip(t, c, "before")
	require.NoError(t, err)
	assert.Equal(t, "before\n", got)

	l.Cut()
	assert.False(t, l.Up())
	_, err = roundTrip(t, c, "during")
	assert.Error(t, err, "the connection across the link is dropped")
	c2, err := net.Dial("tcp", l.Addr())
	require.NoError(t, err)
	_, err = roundTrip(t, c2, "redial")
	assert.Error(t, err, "a redial is refused while cut")
	c2.Close()

	l.Restore()
	c3, err := net.Dial("tcp", l.Addr())
	require.NoError(t, err)
	defer c3.Close()
	got, err = roundTrip(t, c3, "after")
	require.NoError(t, err)
	assert.Equal(t, "after\n", got)
	assert.Equal(t, 1, l.Cuts())
}

func TestLinkAddsLatencyBothWays(t *testing.T) {
	l, err := NewLink(echoServer(t))
	require.NoError(t, err)
	defer l.Close()
	l.SetLatency(20 * time.Millisecond)
	c, err := net.Dial("tcp", l.Addr())
	require.NoError(t, err)
	defer c.Close()
	start := time.Now()
	got, err := roundTrip(t, c, "ping")
	require.NoError(t, err)
	assert.Equal(t, "ping\n", got)
	assert.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond, "a round trip pays the latency twice")
}
