//go:build integration

package operator

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/narrate"
)

// With -owner-references=false the children's events never reach the
// EdgeSite's key: a Deployment deleted and a ConfigMap edited from the lab,
// while the stranger's attack changes nothing on the EdgeSite, are not
// repaired within the bound, the requested faults' own checks fail, and the
// verdict says VIOLATED naming them. Each act that waits for convergence
// meanwhile waits the bound out: about a minute.
//
// Fault: drift | target: a child deleted and one edited from the lab, with -owner-references=false | invariant: broken on purpose: neither is repaired and the verdict is VIOLATED, naming them
func TestLabFaultsWithoutOwnerReferencesAreViolated(t *testing.T) {
	cfg := DefaultConfig()
	cfg.OwnerReferences = false
	const stranger = "attack: a stranger writes the hub's registry"
	lab, n, answers := runLab(t, cfg, map[string][]string{
		stranger: {FaultDeleteChild, FaultEditChild},
	})
	events, story := lab.Events(), lab.Story()
	require.Len(t, answers[stranger], 2, story)
	assert.NoError(t, answers[stranger][0], FaultDeleteChild)
	assert.NoError(t, answers[stranger][1], FaultEditChild)
	assert.Contains(t, story, "[kubectl] FAULT: deleted Deployment plant-7-gateway (requested in the lab)")
	assert.Contains(t, story, "[check] lab delete-child: cluster and hub match the spec within 10s after the deletion, and Deployment plant-7-gateway is a new object: FAIL")
	assert.Contains(t, story, "[check] lab edit-child: cluster and hub match the spec within 10s after the edit, and ConfigMap plant-7-gateway's leafnode remote is the spec's hub again: FAIL")
	last := events[len(events)-1]
	require.Equal(t, narrate.KindInvariant, last.Kind, story)
	assert.True(t, strings.HasPrefix(last.Text, "[invariant] VIOLATED"), last.Text)
	assert.Contains(t, last.Text, "lab delete-child: did not converge within 10s: [")
	assert.Contains(t, last.Text, "Deployment plant-7-gateway missing")
	assert.Contains(t, last.Text, "lab edit-child: did not converge within 10s: [")
	assert.False(t, n.Held())
}
