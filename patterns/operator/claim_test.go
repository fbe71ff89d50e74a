package operator

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

var twinKey = client.ObjectKey{Namespace: "plants", Name: "plant-7-twin"}

// twinSite is a second EdgeSite for plant-7, the plant testSite owns.
func twinSite() *edgev1.EdgeSite {
	s := NewEdgeSite(twinKey.Namespace, twinKey.Name, "plant-7")
	s.UID, s.Generation = "twin-uid", 1
	return s
}

// TestDeletingARefusedClaimKeepsTheOwnersRegistration reproduces a bug: two
// EdgeSites name the same plant, and the hub refuses the second one's claim.
// Deleting the second ran its finalizer, which deregistered the plant
// although the first one owns it, and nothing registered it again (no event
// reaches the owner's key). A registration belongs to whoever made it: the
// finalizer removes only its own.
//
// Fault: conflict | target: two EdgeSites claiming the same plant, the refused one then deleted | invariant: the owner's hub registration stays: a finalizer removes only its own
func TestDeletingARefusedClaimKeepsTheOwnersRegistration(t *testing.T) {
	ctx := context.Background()
	owner := testSite()
	owner.UID = "owner-uid"
	f := newFixture(t, owner, twinSite())
	f.converge(t, siteKey, 3)

	_ = f.reconcile(t, twinKey) // the claim is refused, whatever the reconcile returns
	reg, err := f.hub.Lookup(ctx, "plant-7")
	require.NoError(t, err)
	require.Equal(t, "plants/plant-7", reg.Site, "the first EdgeSite keeps the plant")

	require.NoError(t, f.admin.Delete(ctx, twinSite()))
	require.NoError(t, f.reconcile(t, twinKey))
	assert.True(t, apierrors.IsNotFound(f.admin.Get(ctx, twinKey, &edgev1.EdgeSite{})), "the twin's finalizer ran and released it")

	drift, err := Drift(ctx, f.admin, f.hub, siteKey)
	require.NoError(t, err)
	assert.Empty(t, drift, "the owner's registration outlives the twin")
}
