package pipeline_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
)

// Reconcile on a source and sink of its own, one case per violation it
// names, and a clean one.
func TestReconcileNamesEveryWayASinkDiffersFromItsSource(t *testing.T) {
	source := []pipeline.SourceRecord{
		{ID: "1", Key: "a"}, {ID: "2", Key: "a"}, // a duplicate: both land in row a
		{ID: "3", Key: "b"},
		{ID: "4"}, // invalid: must be rejected
	}
	reject4 := pipeline.Rejection{LineID: "4", Reason: "malformed"}
	for _, c := range []struct {
		name    string
		stored  []string
		rejects []pipeline.Rejection
		want    []string
	}{
		{"correct", []string{"a", "b"}, []pipeline.Rejection{reject4}, nil},
		{"lost", []string{"a"}, []pipeline.Rejection{reject4}, []string{"lost: neither stored nor rejected: 1 (e.g. 3)"}},
		{"twice", []string{"a", "b", "a"}, []pipeline.Rejection{reject4}, []string{"stored more than once: 1 (e.g. a)"}},
		{"malformed kept out", []string{"a", "b"}, nil, []string{"malformed but neither rejected nor stored: 1 (e.g. 4)"}},
		{"no reason", []string{"a", "b"}, []pipeline.Rejection{{LineID: "4"}}, []string{"rejected without a reason: 1 (e.g. 4)"}},
		{"both", []string{"a", "b"}, []pipeline.Rejection{reject4, {LineID: "3", Reason: "x"}}, []string{"both stored and rejected: 1 (e.g. 3)"}},
		{"foreign row", []string{"a", "b", "z"}, []pipeline.Rejection{reject4}, []string{"stored but not in the input: 1 (e.g. z)"}},
		{"foreign rejection", []string{"a", "b"}, []pipeline.Rejection{reject4, {LineID: "9", Reason: "x"}}, []string{"rejected but not in the input: 1 (e.g. 9)"}},
	} {
		assert.Equal(t, c.want, pipeline.Reconcile(source, c.stored, c.rejects), c.name)
	}
}
