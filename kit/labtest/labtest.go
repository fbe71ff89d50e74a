// Package labtest holds the test helpers every module of the lab uses: a real
// nats-server per test, shut down in t.Cleanup, a goleak check for TestMain,
// and what to do when a prerequisite is missing (skip, or fail in CI).
package labtest

import (
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/patternlab/patternlab/kit/natsembed"
)

// NATS starts an embedded nats-server with JetStream for this test and shuts
// it down (removing its store) when the test ends.
func NATS(t testing.TB, opts ...func(*natsembed.Options)) *natsembed.Server {
	t.Helper()
	var o natsembed.Options
	o.Name = "test"
	for _, f := range opts {
		f(&o)
	}
	s, err := natsembed.Start(o)
	require.NoError(t, err, "start embedded nats-server")
	t.Cleanup(s.Shutdown)
	return s
}

// Conn connects to url and closes the connection when the test ends.
func Conn(t testing.TB, url string, extra ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := natsembed.Connect(url, t.Name(), extra...)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

// JetStream connects to url and returns a JetStream context on it.
func JetStream(t testing.TB, url string) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(Conn(t, url))
	require.NoError(t, err)
	return js
}

// VerifyNoLeaks runs the tests and fails if goroutines outlive them. Use it as
// the whole body of TestMain:
//
//	func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }
func VerifyNoLeaks(m *testing.M, opts ...goleak.Option) {
	goleak.VerifyTestMain(m, opts...)
}

// IgnoreTemporalTestRetries are the goleak options for packages that run
// workflows in the Temporal SDK's test environment (testsuite): when a
// workflow ends while one of its activities waits for a retry, the
// environment never fires that retry, and the activity's goroutine
// (executeActivityWithRetryForTest) and its timeout watcher stay blocked for
// the life of the process. That is the test suite's limit, not a leak of the
// code under test; every other goroutine is still checked.
//
//	func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m, labtest.IgnoreTemporalTestRetries()...) }
func IgnoreTemporalTestRetries() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreTopFunction("go.temporal.io/sdk/internal.(*testWorkflowEnvironmentImpl).executeActivityWithRetryForTest"),
		goleak.IgnoreTopFunction("go.temporal.io/sdk/internal.(*testWorkflowEnvironmentImpl).ExecuteActivity.func2"),
	}
}
