package labtest

import (
	"bytes"
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testFlags is a flag set like a test binary's, already parsed.
func testFlags(t *testing.T, skip string) *flag.FlagSet {
	t.Helper()
	fs := flag.NewFlagSet("x.test", flag.ContinueOnError)
	fs.String("test.skip", "", "")
	args := []string{}
	if skip != "" {
		args = append(args, "-test.skip", skip)
	}
	require.NoError(t, fs.Parse(args))
	return fs
}

func TestSkipExamplesWithoutAddsTheNamesToSkipAndSaysWhy(t *testing.T) {
	t.Setenv(EnvCI, "")
	fs := testFlags(t, "")
	var stderr bytes.Buffer
	skipExamplesWithout(fs, &stderr, "TEMPORAL_CLI", false, "make test builds and exports it", "ExampleDemo", "ExampleRun_x")
	assert.Equal(t, "^(ExampleDemo|ExampleRun_x)$", fs.Lookup("test.skip").Value.String())
	assert.Equal(t, "ExampleDemo, ExampleRun_x skipped, missing prerequisite: TEMPORAL_CLI (make test builds and exports it)\n", stderr.String())
}

func TestSkipExamplesWithoutKeepsASkipGivenOnTheCommandLine(t *testing.T) {
	t.Setenv(EnvCI, "")
	fs := testFlags(t, "TestSlow")
	var stderr bytes.Buffer
	skipExamplesWithout(fs, &stderr, "envtest binaries", false, "run make envtest", "ExampleDemo")
	assert.Equal(t, "TestSlow|^(ExampleDemo)$", fs.Lookup("test.skip").Value.String())
}

func TestSkipExamplesWithoutDoesNothingWhenPresentOrInCI(t *testing.T) {
	for _, c := range []struct {
		name    string
		ci      string
		present bool
	}{
		{"present", "", true},
		{"missing in CI", "1", false},
		{"present in CI", "1", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(EnvCI, c.ci)
			fs := testFlags(t, "")
			var stderr bytes.Buffer
			skipExamplesWithout(fs, &stderr, "x", c.present, "y", "ExampleDemo")
			assert.Empty(t, fs.Lookup("test.skip").Value.String())
			assert.Empty(t, stderr.String())
		})
	}
}

// The flag SkipExamplesWithout sets is the test binary's own -test.skip,
// which go test also applies to Examples.
func TestTestBinariesHaveTheSkipFlag(t *testing.T) {
	require.NotNil(t, flag.Lookup("test.skip"))
}
