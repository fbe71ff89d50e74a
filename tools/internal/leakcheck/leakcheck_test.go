package leakcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tree writes files (path -> content) under a fresh root.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for path, content := range files {
		full := filepath.Join(root, filepath.FromSlash(path))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
	return root
}

const (
	goleakMain = "package p\nimport (\"testing\"; \"github.com/patternlab/patternlab/kit/labtest\")\nfunc TestMain(m *testing.M) { labtest.VerifyNoLeaks(m) }\n"
	plainMain  = "package p\nimport (\"os\"; \"testing\")\nfunc TestMain(m *testing.M) { os.Exit(m.Run()) }\n"
	aTest      = "package p\nimport \"testing\"\nfunc TestX(t *testing.T) {}\n"
)

func TestCheck(t *testing.T) {
	cases := []struct {
		name   string
		files  map[string]string
		reason string // of the one finding; "" when none
	}{
		{"go statement, no TestMain", map[string]string{
			"patterns/x/x.go":      "package p\nfunc f() { go func() {}() }\n",
			"patterns/x/x_test.go": aTest,
		}, "go statement at x.go:2"},
		{"errgroup's Go, TestMain without goleak", map[string]string{
			"kit/y/y.go":         "package p\nimport \"golang.org/x/sync/errgroup\"\nfunc f() { var g errgroup.Group; g.Go(nil) }\n",
			"kit/y/y_test.go":    aTest,
			"kit/y/main_test.go": plainMain,
		}, "calls .Go at y.go:3"},
		{"a NATS client", map[string]string{
			"industries/z/z.go":      "package p\nimport _ \"github.com/nats-io/nats.go/jetstream\"\n",
			"industries/z/z_test.go": aTest,
		}, "imports github.com/nats-io/nats.go/jetstream in z.go"},
		{"goroutines and goleak", map[string]string{
			"tools/w/w.go":         "package p\nfunc f() { go f() }\n",
			"tools/w/main_test.go": goleakMain,
		}, ""},
		{"goroutines only in tests", map[string]string{
			"patterns/v/v.go":      "package p\n",
			"patterns/v/v_test.go": "package p\nimport \"testing\"\nfunc TestX(t *testing.T) { go func() {}() }\n",
		}, ""},
		{"a TestMain only in the integration build does not count", map[string]string{
			"patterns/u/u.go":                     "package p\nfunc f() { go f() }\n",
			"patterns/u/u_test.go":                aTest,
			"patterns/u/main_integration_test.go": "//go:build integration\n\n" + goleakMain,
		}, "go statement at u.go:2"},
		{"no tests: nothing to watch", map[string]string{
			"patterns/t/cmd/demo/main.go": "package main\nfunc main() { go main() }\n",
		}, ""},
		{"outside the roots", map[string]string{
			"compare/s/s.go":      "package p\nfunc f() { go f() }\n",
			"compare/s/s_test.go": aTest,
		}, ""},
		{"testdata is not a package", map[string]string{
			"kit/r/testdata/x.go":      "package p\nfunc f() { go f() }\n",
			"kit/r/testdata/x_test.go": aTest,
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			findings, _, err := Check(tree(t, c.files))
			require.NoError(t, err)
			if c.reason == "" {
				assert.Empty(t, findings)
				return
			}
			require.Len(t, findings, 1)
			assert.Equal(t, c.reason, findings[0].Reason)
			assert.True(t, strings.Contains(findings[0].String(), "labtest.VerifyNoLeaks"), "the finding says what to add")
		})
	}
}

// TestRepository: the rule holds in this repository.
func TestRepository(t *testing.T) {
	findings, spawning, err := Check("../../..")
	require.NoError(t, err)
	assert.Empty(t, findings)
	assert.Greater(t, spawning, 20, "the rule sees the lab's packages that start goroutines")
}
