package saga_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/patternlab/patternlab/kit/temporaldev"
)

// devServer starts a Temporal dev server (a child process) for the test and
// returns a client to it.
func devServer(t testing.TB, ctx context.Context) client.Client {
	t.Helper()
	return dial(t, ctx, devTarget(t, ctx))
}

// devTarget starts a Temporal dev server for the test (or uses
// TEMPORAL_ADDRESS) and stops it when the test ends.
func devTarget(t testing.TB, ctx context.Context) *temporaldev.Target {
	t.Helper()
	tg, err := temporaldev.FromEnv(ctx, temporaldev.Options{})
	require.NoError(t, err)
	t.Cleanup(tg.Close)
	return tg
}

// dial returns a client to tg, closed when the test ends.
func dial(t testing.TB, ctx context.Context, tg *temporaldev.Target) client.Client {
	t.Helper()
	c, err := tg.Dial(ctx)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}
