package operator

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// TestConflictingUpdates: two writers read the same resourceVersion; the
// first update wins, the second is refused with 409 Conflict instead of
// silently overwriting it.
//
// Fault: conflict | target: the EdgeSite, two writers from the same resourceVersion | invariant: the second update is refused with 409 Conflict instead of overwriting the first
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
//
// Fault: conflict | target: a reconcile's status write, racing a spec update | invariant: the stale status write is refused; the retry converges to the new generation
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

// TestAttackerRetriesOnConflict reproduces issue 10's flake: the demo's user
// read the EdgeSite, the operator wrote it (a status, a finalizer) before the
// user's update arrived, and the update failed with "the object has been
// modified", which stopped the demo at "attack: update the spec". Here a
// second writer bumps the resourceVersion between each of the user's first
// two reads and writes: a single read-modify-write is refused, the demo's
// updateSite reads again and lands, keeping the other writer's change.
func TestAttackerRetriesOnConflict(t *testing.T) {
	ctx := context.Background()
	base := fake.NewClientBuilder().WithScheme(NewScheme()).
		WithStatusSubresource(&edgev1.EdgeSite{}).WithObjects(testSite()).Build()
	races := 0
	racing := interceptor.NewClient(base, interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if races < 2 { // the operator writes first
				races++
				other := &edgev1.EdgeSite{}
				require.NoError(t, c.Get(ctx, siteKey, other))
				metav1.SetMetaDataLabel(&other.ObjectMeta, "operator-write", fmt.Sprint(races))
				require.NoError(t, c.Update(ctx, other))
			}
			return c.Update(ctx, obj, opts...)
		},
	})

	once := &edgev1.EdgeSite{}
	require.NoError(t, racing.Get(ctx, siteKey, once))
	once.Spec.Retention.MaxAge = "72h"
	require.True(t, apierrors.IsConflict(racing.Update(ctx, once)), "without a retry the user's update is refused")

	races = 0
	d := &demo{admin: racing, key: siteKey}
	site, err := d.updateSite(ctx, func(s *edgev1.EdgeSite) { s.Spec.Retention.MaxAge = "72h" })
	require.NoError(t, err, "updateSite retries on conflict")
	assert.Equal(t, 2, races, "both of the operator's writes came first")

	got := &edgev1.EdgeSite{}
	require.NoError(t, base.Get(ctx, siteKey, got))
	assert.Equal(t, "72h", got.Spec.Retention.MaxAge, "the user's change landed")
	assert.Equal(t, "2", got.Labels["operator-write"], "on top of the operator's writes, not over them")
	assert.Equal(t, got.ResourceVersion, site.ResourceVersion, "updateSite returns the EdgeSite as stored")
}

// TestChildConflictLeavesTheStatusAlone: the operator reads children from its
// cache, which can lag behind the API server; an update from a stale read is
// refused with 409 Conflict. That is no failure of the gateway: the reconcile
// returns the conflict for a retry on a fresh read, and does not flip Ready to
// False (ChildrenFailed) for a moment, nor write the status twice to get back.
//
// Fault: conflict | target: a child update from the operator's lagging cache | invariant: refused with 409 and retried on a fresh read; Ready never flips to False on the way
func TestChildConflictLeavesTheStatusAlone(t *testing.T) {
	f := newFixture(t, testSite())
	f.converge(t, siteKey, 3)
	f.events.take()
	ctx := context.Background()
	edit(t, f, childKey, &corev1.ConfigMap{}, func(cm *corev1.ConfigMap) { cm.Data[ServerConfKey] = "server_name: rogue\n" })

	stale := true
	r := &EdgeSiteReconciler{Scheme: f.r.Scheme, Hub: f.hub, Recorder: f.events}
	r.Client = interceptor.NewClient(f.admin.(client.WithWatch), interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if _, ok := obj.(*corev1.ConfigMap); ok && stale {
				stale = false
				return apierrors.NewConflict(corev1.Resource("configmaps"), obj.GetName(), errors.New("the object has been modified"))
			}
			return c.Update(ctx, obj, opts...)
		},
	})
	status := func() metav1.Condition {
		site := &edgev1.EdgeSite{}
		require.NoError(t, f.admin.Get(ctx, siteKey, site))
		return *meta.FindStatusCondition(site.Status.Conditions, edgev1.ConditionReady)
	}
	before := status()
	_, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: siteKey})
	assert.True(t, apierrors.IsConflict(err), "the conflict goes back to the work queue: got %v", err)
	assert.Equal(t, before, status(), "Ready is not flipped for a conflict")
	assert.Empty(t, f.events.take(), "no warning for a conflict")

	f.converge(t, siteKey, 3)
	drift, err := Drift(ctx, f.admin, f.hub, siteKey)
	require.NoError(t, err)
	assert.Empty(t, drift)
}
