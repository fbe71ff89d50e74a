package operator

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// TestConflictingUpdates: two writers read the same resourceVersion; the
// first update wins, the second is refused with 409 Conflict instead of
// silently overwriting it.
func TestConflictingUpdates(t *testing.T) {
	f := newFixture(t, testSite())
	ctx := context.Background()
	alice, bob := &edgev1.EdgeSite{}, &edgev1.EdgeSite{}
	require.NoError(t, f.admin.Get(ctx, siteKey, alice))
	require.NoError(t, f.admin.Get(ctx, siteKey, bob))
	require.Equal(t, alice.ResourceVersion, bob.ResourceVersion)

	alice.Spec.Retention.MaxAge = "48h"
	require.NoError(t, f.admin.Update(ctx, alice))
	bob.Spec.Retention.MaxAge = "12h"
	err := f.admin.Update(ctx, bob)
	assert.True(t, apierrors.IsConflict(err), "second writer on a stale resourceVersion: got %v", err)

	got := &edgev1.EdgeSite{}
	require.NoError(t, f.admin.Get(ctx, siteKey, got))
	assert.Equal(t, "48h", got.Spec.Retention.MaxAge, "the first writer's update survives")
}

// TestReconcileRacesSpecUpdate: the spec changes while a reconcile is working
// from the old one. Its status write carries the old resourceVersion, so it
// is refused, and the reconciler returns the conflict for a retry rather than
// recording "ready at generation 1" over generation 2. The retry converges.
func TestReconcileRacesSpecUpdate(t *testing.T) {
	f := newFixture(t, testSite())
	f.converge(t, siteKey, 3)
	ctx := context.Background()
	edit(t, f, siteKey, &edgev1.EdgeSite{}, func(s *edgev1.EdgeSite) { s.Spec.Suspended = true; s.Generation = 2 })

	raced := false
	f.beforeStatusUpdate = func(ctx context.Context) {
		if raced {
			return
		}
		raced = true
		edit(t, f, siteKey, &edgev1.EdgeSite{}, func(s *edgev1.EdgeSite) { s.Spec.Retention.MaxAge = "6h"; s.Generation = 3 })
	}
	err := f.reconcile(t, siteKey)
	require.True(t, raced)
	assert.True(t, apierrors.IsConflict(err), "status write on the stale EdgeSite: got %v", err)

	site := &edgev1.EdgeSite{}
	require.NoError(t, f.admin.Get(ctx, siteKey, site))
	assert.EqualValues(t, 1, site.Status.ObservedGeneration, "the stale status did not land")

	f.converge(t, siteKey, 3)
	drift, err := Drift(ctx, f.admin, f.hub, siteKey)
	require.NoError(t, err)
	assert.Empty(t, drift)
	require.NoError(t, f.admin.Get(ctx, siteKey, site))
	assert.EqualValues(t, 3, site.Status.ObservedGeneration)
}
