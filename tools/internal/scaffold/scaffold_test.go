package scaffold_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/scaffold"
	"github.com/patternlab/patternlab/tools/internal/testrepo"
)

func TestNewData(t *testing.T) {
	d, err := scaffold.NewData("circuit-breaker")
	require.NoError(t, err)
	assert.Equal(t, scaffold.Data{
		Name: "circuit-breaker", Package: "circuitbreaker", Title: "Circuit Breaker",
		ModulePath: "github.com/patternlab/patternlab/patterns/circuit-breaker",
	}, d)
	for _, bad := range []string{"", "Saga", "9lives", "a_b", "a--b", "a-", "../x"} {
		_, err := scaffold.NewData(bad)
		assert.Error(t, err, "%q must be rejected", bad)
	}
}

func TestWriteAddsWorkspaceAndNavEntries(t *testing.T) {
	r := testrepo.New(t)
	files, err := scaffold.Write(r, "sample-x")
	require.NoError(t, err)
	assert.Contains(t, files, "patterns/sample-x/samplex.go")
	assert.Contains(t, files, "docs/patterns/sample-x.md")
	assert.Contains(t, files, "benchmarks/results/sample-x.md")

	uses, err := r.WorkUses()
	require.NoError(t, err)
	assert.Equal(t, []string{"patterns/sample-x"}, uses)

	nav, err := r.Read("mkdocs.yml")
	require.NoError(t, err)
	assert.Contains(t, string(nav), "      - Existing: patterns/existing.md\n      - Sample X: patterns/sample-x.md\n  - Contributing")

	_, err = scaffold.Write(r, "sample-x")
	assert.ErrorIs(t, err, scaffold.ErrExists, "a second scaffold must not overwrite the first")
}

func TestAddNavIsIdempotent(t *testing.T) {
	r := testrepo.New(t)
	require.NoError(t, scaffold.AddNav(r, "X", "patterns/x.md"))
	require.NoError(t, scaffold.AddNav(r, "X", "patterns/x.md"))
	nav, err := r.Read("mkdocs.yml")
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(nav), "patterns/x.md"))
}
