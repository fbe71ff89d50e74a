package learn_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/learn"
	"github.com/patternlab/patternlab/tools/internal/testrepo"
)

// An industry module arrives with its pattern.yaml and nothing else: the
// graph picks it up, with the modules it is built from.
func TestGraphReadsEveryModuleWithNoEdit(t *testing.T) {
	r := fixture(t)
	edit(t, r, "patterns/sample-x/pattern.yaml", "contrasts: []", "contrasts: [sample-y]")
	edit(t, r, "patterns/sample-y/pattern.yaml", "contrasts: []", "contrasts: [sample-x]")
	edit(t, r, "patterns/sample-y/pattern.yaml", "related: []", "related: [sample-x]")
	edit(t, r, "patterns/sample-x/pattern.yaml", "related: []", "related: [sample-y]")
	testrepo.Write(t, r.Root, "industries/fintech/go.mod", "module github.com/patternlab/patternlab/industries/fintech\n")
	testrepo.Write(t, r.Root, "industries/fintech/pattern.yaml", "name: fintech\ntitle: Payment clearing\nsummary: s\nlevel: advanced\ntags: [x]\n"+
		"prerequisites: [sample-x]\nrelated: []\nindustries: [fintech]\ninvariant: books balance\ndiagrams: [architecture, flow, sequence]\nneeds: []\n"+
		"composes: [sample-x, sample-y]\ncontrasts: []\n")
	g, err := learn.ReadGraph(r)
	require.NoError(t, err)
	assert.Empty(t, g.Broken)
	var edges []string
	for _, e := range g.Edges {
		edges = append(edges, e.From+" "+e.Kind+" "+e.To)
	}
	assert.ElementsMatch(t, []string{
		"sample-x related sample-y", // symmetric: one edge for both files
		"sample-x contrasts sample-y",
		"sample-x industry industry:internet",
		"sample-y prerequisite sample-x",
		"sample-y industry industry:internet",
		"fintech prerequisite sample-x",
		"fintech composes sample-x",
		"fintech composes sample-y",
		"fintech industry industry:fintech",
	}, edges)
	require.NotNil(t, g.Node("fintech"))
	assert.Equal(t, "industries", g.Node("fintech").Kind)
	built, _ := g.Neighbours("sample-x", learn.EdgeComposes)
	_, usedBy := g.Neighbours("sample-x", learn.EdgeComposes)
	assert.Empty(t, built)
	assert.Equal(t, []string{"fintech"}, usedBy)

	site, err := learn.NewSite(r)
	require.NoError(t, err)
	m := site.GraphMermaid("en")
	assert.True(t, strings.HasPrefix(m, "flowchart LR\n"))
	assert.Contains(t, m, `fintech[["Payment clearing"]]`)
	assert.Contains(t, m, "sample_x ==>|learn first| sample_y")
	assert.Contains(t, m, "fintech -->|built from| sample_x")
	assert.Contains(t, site.GraphMermaid("zh"), `sample_x["处理"]`, "the Chinese name of the term that names the module")
}
