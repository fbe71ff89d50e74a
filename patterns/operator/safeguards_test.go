package operator

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// TestEachSafeguardPreventsItsFailure is the demo's switches in miniature,
// on the fake client: each scenario ends with nothing left over when the
// safeguard is on, and with the failure the safeguard exists for when its
// Unsafe field turns it off. The demo runs the same attacks against envtest
// (TestIntegrationSwitches).
func TestEachSafeguardPreventsItsFailure(t *testing.T) {
	ctx := context.Background()
	scenarios := []struct {
		name   string
		unsafe Unsafe
		// run attacks a converged fixture and returns what is left wrong.
		run  func(t *testing.T, f *fixture) []string
		want string // in what is left wrong with the safeguard off
	}{
		{
			name: "finalizer", unsafe: Unsafe{NoFinalizer: true},
			run: func(t *testing.T, f *fixture) []string {
				require.NoError(t, f.admin.Delete(ctx, testSite()))
				_ = f.reconcile(t, siteKey)
				_, err := CollectOrphans(ctx, f.admin, siteKey.Namespace)
				require.NoError(t, err)
				left, err := DriftAfterDelete(ctx, f.admin, f.hub, siteKey, "plant-7")
				require.NoError(t, err)
				return left
			},
			want: "plant plant-7 still registered on the hub",
		},
		{
			name: "resourceVersion on status writes", unsafe: Unsafe{NoResourceVersion: true},
			run: func(t *testing.T, f *fixture) []string {
				edit(t, f, siteKey, &edgev1.EdgeSite{}, func(s *edgev1.EdgeSite) { s.Spec.Retention.MaxAge = "48h"; s.Generation = 2 })
				stale := &edgev1.EdgeSite{} // a reconcile of generation 2 reads it...
				require.NoError(t, f.admin.Get(ctx, siteKey, stale))
				edit(t, f, siteKey, &edgev1.EdgeSite{}, func(s *edgev1.EdgeSite) { s.Spec.Retention.MaxAge = "36h"; s.Generation = 3 })
				f.converge(t, siteKey, 3) // ...while generation 3 is reconciled and recorded
				cfg, err := RenderGatewayConfig(stale.Spec)
				require.NoError(t, err)
				// ...and its status write arrives now.
				_ = f.r.setStatus(ctx, stale, cfg.Hash, ready(edgev1.ConditionReady, "Reconciled", "late"))
				drift, err := Drift(ctx, f.admin, f.hub, siteKey)
				require.NoError(t, err)
				return drift
			},
			want: "status describes generation 2, spec is 3",
		},
		{
			name: "registration owner", unsafe: Unsafe{NoRegistrationOwner: true},
			run: func(t *testing.T, f *fixture) []string {
				require.NoError(t, f.admin.Create(ctx, twinSite()))
				_ = f.reconcile(t, twinKey)
				require.NoError(t, f.admin.Delete(ctx, twinSite()))
				_ = f.reconcile(t, twinKey)
				drift, err := Drift(ctx, f.admin, f.hub, siteKey)
				require.NoError(t, err)
				return drift
			},
			want: "plant plant-7 not registered on the hub",
		},
		{
			name: "owner references", unsafe: Unsafe{NoOwnerReferences: true},
			run: func(t *testing.T, f *fixture) []string {
				require.NoError(t, f.admin.Delete(ctx, testSite()))
				_ = f.reconcile(t, siteKey)
				_, err := CollectOrphans(ctx, f.admin, siteKey.Namespace)
				require.NoError(t, err)
				left, err := DriftAfterDelete(ctx, f.admin, f.hub, siteKey, "plant-7")
				require.NoError(t, err)
				return left
			},
			want: "ConfigMap plant-7-gateway still exists",
		},
		{
			name: "drift repair", unsafe: Unsafe{NoDriftRepair: true},
			run: func(t *testing.T, f *fixture) []string {
				edit(t, f, childKey, &corev1.ConfigMap{}, func(cm *corev1.ConfigMap) { cm.Data[ServerConfKey] = "server_name: rogue\n" })
				require.NoError(t, f.admin.Delete(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: childKey.Namespace, Name: childKey.Name}}))
				_ = f.reconcile(t, siteKey)
				require.False(t, apierrors.IsNotFound(f.admin.Get(ctx, childKey, &corev1.Service{})), "a missing child is created either way")
				drift, err := Drift(ctx, f.admin, f.hub, siteKey)
				require.NoError(t, err)
				return drift
			},
			want: "ConfigMap plant-7-gateway differs from the spec",
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			for _, off := range []bool{false, true} {
				owner := testSite()
				owner.UID = "owner-uid"
				f := newFixture(t, owner)
				if off {
					f.r.Unsafe = sc.unsafe
				}
				f.converge(t, siteKey, 3)
				left := sc.run(t, f)
				if off {
					assert.Contains(t, left, sc.want, "with the safeguard off")
				} else {
					assert.Empty(t, left, "with the safeguard on")
				}
			}
		})
	}
}
