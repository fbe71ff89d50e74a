package demoflag

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/narrate"
)

// Command runs the demo on the defaults with the flags given applied, and
// refuses a bad flag before anything runs.
func TestCommandRunsTheDemoOnTheParsedConfig(t *testing.T) {
	var ran []config
	demo := func(_ context.Context, _ *narrate.Narrator, c config) error { ran = append(ran, c); return nil }
	defaults := config{N: 10, Rate: 2, Wait: 1e9, Mode: "fast"}

	d, err := Command([]string{"-n", "7", "-crash"}, defaults, flags, demo)
	require.NoError(t, err)
	assert.Empty(t, ran, "parsing runs nothing")
	require.NoError(t, d(context.Background(), narrate.New(io.Discard)))
	require.Len(t, ran, 1)
	want := defaults
	want.N, want.Crash = 7, true
	assert.Equal(t, want, ran[0], "the defaults with the flags given")
	assert.Equal(t, 10, defaults.N, "the caller's defaults are a copy")

	d, err = Command([]string{"-n", "0"}, defaults, flags, demo)
	assert.Nil(t, d)
	var ue *narrate.UsageError
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, err.Error(), "-n")
	assert.Len(t, ran, 1, "a refused flag runs nothing")
}
