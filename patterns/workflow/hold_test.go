package workflow_test

import (
	"context"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/patterns/workflow"
)

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var (
	natsAddr     = regexp.MustCompile(`nats-server with JetStream at nats://(?:[^@\s]+@)?(127\.0\.0\.1:\d+)`)
	temporalAddr = regexp.MustCompile(`Temporal dev server at (127\.0\.0\.1:\d+), Web UI at (http://127\.0\.0\.1:\d+)`)
)

func answers(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// -hold keeps the servers and the Web UI up after the verdict, until the
// context ends; then they are gone.
func TestHoldKeepsTheServersUpUntilCancelled(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	cfg := workflow.DefaultConfig()
	cfg.Records, cfg.FanOut, cfg.Hold, cfg.Crash = 200, 2, true, false
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- workflow.Demo(ctx, narrate.New(out), cfg) }()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "holding the servers up") },
		3*time.Minute, 20*time.Millisecond, "the demo reaches its hold:\n%s", out)
	nm, tm := natsAddr.FindStringSubmatch(out.String()), temporalAddr.FindStringSubmatch(out.String())
	require.NotNil(t, nm, out.String())
	require.NotNil(t, tm, out.String())
	assert.True(t, answers(nm[1]), "NATS answers while holding")
	assert.True(t, answers(tm[1]), "the Temporal frontend answers while holding")
	resp, err := http.Get(tm[2])
	if assert.NoError(t, err, "the Web UI answers while holding") {
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	cancel()
	require.NoError(t, <-done)
	assert.False(t, answers(nm[1]), "NATS is gone once the demo ends")
	assert.False(t, answers(tm[1]), "Temporal is gone once the demo ends")
}
