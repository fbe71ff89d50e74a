package learn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/tools/internal/learn"
	"github.com/patternlab/patternlab/tools/internal/repo"
)

// The lab's own records pass every rule but the flag check (make check
// builds the demos for that), and there are enough of them.
func TestTheLabsRecordsCheck(t *testing.T) {
	r, err := repo.Find(".")
	require.NoError(t, err)
	findings, err := learn.Check(r, nil)
	require.NoError(t, err)
	for _, f := range findings {
		t.Error(f.String())
	}
	d, err := learn.Load(r)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(d.Glossary.Terms), 80, "glossary terms, each with Chinese and a code link (checked above)")
	assert.GreaterOrEqual(t, len(d.Bank.Questions), 80, "interview questions, each with a model answer, follow-ups and a link (checked above)")
	seed := 0
	for _, q := range d.Bank.Questions {
		if q.Seed {
			seed++
		}
	}
	assert.Equal(t, 5, seed, "the seed's five questions (§3.2.17)")
	for _, id := range []string{"bpmn", "eda", "iot", "crd", "operator", "workflow-engine", "event-sourcing", "cqrs", "saga", "backpressure", "idempotency", "compensation"} {
		assert.True(t, hasTerm(d, id), "the seed's term %s", id)
	}
}

func hasTerm(d *learn.Data, id string) bool {
	for _, t := range d.Glossary.Terms {
		if t.ID == id {
			return true
		}
	}
	return false
}
