//go:build integration

package operator

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// startControlPlane starts envtest for the test (never a KUBECONFIG cluster:
// the tests delete and break things) and stops it when the test ends.
func startControlPlane(t testing.TB) *ControlPlane {
	t.Helper()
	if os.Getenv(EnvAssets) == "" {
		labtest.Missing(t, EnvAssets+" is not set: run make test-integration, which builds kube-apiserver and etcd once")
	}
	SetLoggers(nil)
	cp, err := StartControlPlane(ControlPlaneOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, cp.Stop()) })
	return cp
}

// startHub starts a nats-server and opens the registry on it with a client
// that fails fast while the server is down, as the demo's does.
func startHub(t testing.TB) (*natsembed.Server, *KVHub) {
	t.Helper()
	srv := labtest.NATS(t)
	nc := labtest.Conn(t, srv.ClientURL(), nats.ReconnectWait(50*time.Millisecond), nats.ReconnectBufSize(-1))
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	hub, err := NewKVHub(context.Background(), js)
	require.NoError(t, err)
	return srv, hub
}

// runOperator starts a manager as cfg, stopped when the test ends; it may
// still be waiting for the lease.
func runOperator(t testing.TB, cfg *rest.Config, hub Hub) *Operator {
	t.Helper()
	SetLoggers(nil)
	op, err := RunOperator(cfg, ManagerOptions{Hub: hub})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, op.Stop()) })
	return op
}

// startOperator runs a manager as cfg and waits until it leads.
func startOperator(t testing.TB, cfg *rest.Config, hub Hub) *Operator {
	t.Helper()
	op := runOperator(t, cfg, hub)
	require.NoError(t, op.WaitElected(context.Background(), ElectionTimeout))
	return op
}

func adminClient(t testing.TB, cp *ControlPlane) client.WithWatch {
	t.Helper()
	c, err := client.NewWithWatch(cp.Admin, client.Options{Scheme: NewScheme()})
	require.NoError(t, err)
	return c
}
