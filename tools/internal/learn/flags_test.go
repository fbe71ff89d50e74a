package learn_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/learn"
	"github.com/patternlab/patternlab/tools/internal/testrepo"
)

// The flags are read from the demo itself: build it, run -h. A flag that is
// registered through a helper, not in main.go, is found all the same.
func TestBuiltDemosReadTheDemosOwnFlags(t *testing.T) {
	r := testrepo.New(t)
	testrepo.Write(t, r.Root, "go.work", "go 1.26.8\n\nuse ./patterns/tiny\n")
	testrepo.Write(t, r.Root, "patterns/tiny/go.mod", "module example.com/tiny\n\ngo 1.26.8\n")
	testrepo.Write(t, r.Root, "patterns/tiny/switches.go", `package tiny

import "flag"

// Register adds the demo's safeguard switches.
func Register(fs *flag.FlagSet) { fs.Bool("no-inbox", false, "turn the inbox off") }
`)
	testrepo.Write(t, r.Root, "patterns/tiny/cmd/demo/main.go", `package main

import (
	"flag"
	"time"

	"example.com/tiny"
)

func main() {
	flag.Int("jobs", 10, "how many jobs")
	flag.Duration("ack-wait", time.Second, "redelivery delay")
	tiny.Register(flag.CommandLine)
	flag.Parse()
}
`)
	demos := learn.NewBuiltDemos(context.Background(), r)
	t.Cleanup(func() { require.NoError(t, demos.Close()) })
	set, err := demos.Flags("patterns/tiny")
	require.NoError(t, err)
	assert.Equal(t, "int", set["jobs"].Type)
	assert.Equal(t, "duration", set["ack-wait"].Type)
	assert.Contains(t, set, "no-inbox")
	assert.Empty(t, set.CheckArgs([]string{"-jobs", "3", "-no-inbox"}))
	assert.NotEmpty(t, set.CheckArgs([]string{"-workers", "3"}))

	_, err = demos.Flags("patterns/none")
	assert.ErrorContains(t, err, "has no demo")
}
