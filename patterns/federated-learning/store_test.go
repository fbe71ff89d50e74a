package federatedlearning_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/kit/labtest"

	fl "github.com/patternlab/patternlab/patterns/federated-learning"
)

// A coordinator that was replaced cannot commit over its successor: each
// commit names the revision it replaces.
//
// Fault: conflict | target: a replaced coordinator, committing over its successor | invariant: the commit is refused: each commit names the revision it replaces
func TestAReplacedCoordinatorIsFenced(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := labtest.NATS(t)
	store, err := fl.OpenModelStore(ctx, labtest.JetStream(t, srv.ClientURL()), "FENCE")
	require.NoError(t, err)
	_, _, err = store.Load(ctx)
	require.ErrorIs(t, err, fl.ErrNoCommit)

	old, err := store.Save(ctx, fl.Commit{Round: 1, Weights: []float64{1}, Coordinator: "c1"}, 0)
	require.NoError(t, err)
	_, err = store.Save(ctx, fl.Commit{Round: 1, Weights: []float64{9}, Coordinator: "c1-again"}, 0)
	require.True(t, errors.Is(err, fl.ErrFenced), "a second first commit: %v", err)

	// c2 resumes from c1's commit and commits round 2
	c, rev, err := store.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, old, rev)
	_, err = store.Save(ctx, fl.Commit{Round: c.Round + 1, Weights: []float64{2}, Coordinator: "c2"}, rev)
	require.NoError(t, err)
	// c1 wakes up and tries to commit its round 2 over the revision it knew
	_, err = store.Save(ctx, fl.Commit{Round: 2, Weights: []float64{666}, Coordinator: "c1"}, old)
	require.True(t, errors.Is(err, fl.ErrFenced), "the zombie's commit: %v", err)
	c, _, err = store.Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, "c2", c.Coordinator)
	assert.Equal(t, []float64{2}, c.Weights)
}
