package saga_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/saga"
)

// devServer starts a Temporal dev server (a child process) for the test and
// returns a client to it.
func devServer(t testing.TB, ctx context.Context) client.Client {
	t.Helper()
	tg, stop, err := saga.StartTemporal(ctx, false)
	require.NoError(t, err)
	t.Cleanup(stop)
	c, err := tg.Dial(ctx)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// tryTemporalCLI reports why there is no Temporal to run against, if so.
func tryTemporalCLI() error {
	if os.Getenv(temporaldev.EnvAddress) != "" {
		return nil
	}
	_, err := temporaldev.CLIPath()
	return err
}
