package temporaldev_test

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/temporaldev"
)

func TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }

func TestStartServesTheDefaultNamespaceAndUI(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tg, err := temporaldev.FromEnv(ctx, temporaldev.Options{UI: true})
	require.NoError(t, err)
	t.Cleanup(tg.Close)
	assert.Contains(t, tg.Describe(), "Web UI at http://127.0.0.1:")

	c, err := tg.Dial(ctx)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.CheckHealth(ctx, nil)
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		resp, err := http.Get(tg.Embedded.UIURL())
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 10*time.Second, 50*time.Millisecond, "the Web UI answers")
}

func TestRestartKeepsTheDatabase(t *testing.T) {
	labtest.RequireTemporalCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := t.TempDir() + "/t.db"
	s, err := temporaldev.Start(ctx, temporaldev.Options{
		DBFile:        db,
		DynamicConfig: map[string]string{"history.transferProcessorMaxPollRPS": "1000"},
	})
	require.NoError(t, err)
	t.Cleanup(s.Shutdown)
	addr := s.Address()
	require.NoError(t, s.Restart(ctx))
	assert.Equal(t, addr, s.Address())
	assert.FileExists(t, db)
}

func TestMissingCLIExplainsHowToBuildIt(t *testing.T) {
	t.Setenv(temporaldev.EnvCLI, "")
	_, err := temporaldev.Start(context.Background(), temporaldev.Options{})
	require.ErrorIs(t, err, temporaldev.ErrNoCLI)
	assert.Contains(t, err.Error(), "make temporal-cli")
}

func TestExternalAddressStartsNothing(t *testing.T) {
	t.Setenv(temporaldev.EnvAddress, "temporal.example:7233")
	t.Setenv(temporaldev.EnvCLI, os.DevNull+"-missing")
	tg, err := temporaldev.FromEnv(context.Background(), temporaldev.Options{})
	require.NoError(t, err)
	assert.Nil(t, tg.Embedded)
	assert.Equal(t, "external Temporal at temporal.example:7233, namespace default (from TEMPORAL_ADDRESS)", tg.Describe())
}

func TestAvailableSaysWhyThereIsNoTemporal(t *testing.T) {
	t.Setenv(temporaldev.EnvAddress, "")
	t.Setenv(temporaldev.EnvCLI, "")
	require.ErrorIs(t, temporaldev.Available(), temporaldev.ErrNoCLI)
	t.Setenv(temporaldev.EnvCLI, os.DevNull+"-missing")
	require.ErrorIs(t, temporaldev.Available(), temporaldev.ErrNoCLI)
	t.Setenv(temporaldev.EnvAddress, "temporal.example:7233")
	require.NoError(t, temporaldev.Available(), "an external server needs no CLI")
}

// A server that cannot start says why with its own last lines: here the
// "CLI" is a script that complains and exits.
func TestFailedStartShowsTheServersLastOutput(t *testing.T) {
	script := t.TempDir() + "/temporal"
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\necho 'unable to open database file: out of memory (14)' >&2\nexit 3\n"), 0o755))
	t.Setenv(temporaldev.EnvCLI, script)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := temporaldev.Start(ctx, temporaldev.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exited before it was ready")
	assert.Contains(t, err.Error(), "exit status 3")
	assert.Contains(t, err.Error(), "unable to open database file: out of memory (14)")
}

// A port taken between the pick and the bind is retried on new ports; a
// server that keeps failing for another reason is not.
func TestStartRetriesATakenPort(t *testing.T) {
	dir := t.TempDir()
	script := dir + "/temporal"
	// fails with a bind error the first time, then "starts" and exits with
	// another error: the second error is what Start reports.
	body := "#!/bin/sh\nif [ ! -f " + dir + "/tried ]; then touch " + dir + "/tried; echo 'listen tcp 127.0.0.1:7234: bind: address already in use' >&2; exit 1; fi\necho 'second attempt: config broken' >&2; exit 4\n"
	require.NoError(t, os.WriteFile(script, []byte(body), 0o755))
	t.Setenv(temporaldev.EnvCLI, script)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := temporaldev.Start(ctx, temporaldev.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "second attempt: config broken")
	assert.NotContains(t, err.Error(), "address already in use")
}
