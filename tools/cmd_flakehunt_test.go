package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A flake hunt with a value it does not know refuses to start, before any
// test runs or any burner spins: -burn maybe used to run without a burner.
// The module does not exist, so a check that let a value through would fail
// here on the module instead of running a hunt.
func TestFlakeHuntRefusesUnknownValues(t *testing.T) {
	for _, args := range [][]string{
		{"-burn", "maybe", "no-such-module"},
		{"-burn", "", "no-such-module"},
		{"-tier", "e2e", "no-such-module"},
		{"-n", "0", "no-such-module"},
	} {
		err := runFlakeHunt(context.Background(), args)
		require.Error(t, err, args)
		assert.Contains(t, err.Error(), "want -", args)
	}
}
