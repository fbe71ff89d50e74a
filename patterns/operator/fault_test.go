package operator

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// attack is one thing done to an EdgeSite's world behind the operator's back.
type attack struct {
	name string
	do   func(t *testing.T, f *fixture, rng *rand.Rand)
}

var attacks = []attack{
	{"delete a child", func(t *testing.T, f *fixture, rng *rand.Rand) {
		meta := metav1.ObjectMeta{Namespace: childKey.Namespace, Name: childKey.Name}
		victims := []client.Object{&corev1.ConfigMap{ObjectMeta: meta}, &appsv1.Deployment{ObjectMeta: meta}, &corev1.Service{ObjectMeta: meta}}
		require.NoError(t, f.admin.Delete(context.Background(), victims[rng.IntN(len(victims))]))
	}},
	{"edit the gateway config", func(t *testing.T, f *fixture, rng *rand.Rand) {
		edit(t, f, childKey, &corev1.ConfigMap{}, func(cm *corev1.ConfigMap) {
			cm.Data[ServerConfKey] += fmt.Sprintf("max_payload: %d\n", rng.IntN(1<<20))
		})
	}},
	{"scale the gateway", func(t *testing.T, f *fixture, rng *rand.Rand) {
		edit(t, f, childKey, &appsv1.Deployment{}, func(d *appsv1.Deployment) {
			n := int32(rng.IntN(3))
			d.Spec.Replicas = &n
			d.Spec.Template.Spec.Containers[0].Image = "nats:latest"
		})
	}},
	{"strip the owner reference and labels", func(t *testing.T, f *fixture, rng *rand.Rand) {
		edit(t, f, childKey, &corev1.Service{}, func(s *corev1.Service) {
			s.OwnerReferences = nil
			s.Labels = nil
			s.Spec.Ports = s.Spec.Ports[:1]
		})
	}},
	{"update the spec", func(t *testing.T, f *fixture, rng *rand.Rand) {
		edit(t, f, siteKey, &edgev1.EdgeSite{}, func(s *edgev1.EdgeSite) {
			s.Spec.Retention.MaxAge = fmt.Sprintf("%dh", 1+rng.IntN(720))
			s.Spec.Retention.MaxBytes = fmt.Sprintf("%dMi", 1+rng.IntN(4096))
			s.Spec.Suspended = rng.IntN(4) == 0
			s.Generation++
		})
	}},
	{"hub outage during a spec update", func(t *testing.T, f *fixture, rng *rand.Rand) {
		f.hub.setDown(true)
		edit(t, f, siteKey, &edgev1.EdgeSite{}, func(s *edgev1.EdgeSite) {
			s.Spec.Subjects = append(s.Spec.Subjects, fmt.Sprintf("line%d.>", s.Generation))
			s.Generation++
		})
		for range 1 + rng.IntN(3) { // the work queue retries with backoff
			require.Error(t, f.reconcile(t, siteKey))
		}
		f.hub.setDown(false)
	}},
}

// TestFaultsConverge is the invariant under attack: whatever is done to the
// children, the spec or the hub, a few reconciles (what the work queue runs
// as the events arrive) bring the cluster and the hub back to the spec, and
// then reconcile writes nothing. Finally the EdgeSite is deleted: the
// finalizer deregisters the plant and, with the garbage collector's job done
// by CollectOrphans, nothing is left.
//
// Fault: drift | target: the children: deleted, edited by hand, scaled, stripped of owner references; the spec updated | invariant: a few reconciles bring the cluster and the hub back to the spec, then reconcile writes nothing
// Fault: failure | target: the hub, down during a spec update | invariant: reconciles fail and back off, then converge once the hub is back
func TestFaultsConverge(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			f := newFixture(t, testSite())
			f.converge(t, siteKey, 3)
			ctx := context.Background()
			for i := range 10 {
				a := attacks[rng.IntN(len(attacks))]
				a.do(t, f, rng)
				passes := f.converge(t, siteKey, 3)
				drift, err := Drift(ctx, f.admin, f.hub, siteKey)
				require.NoError(t, err)
				require.Emptyf(t, drift, "attack %d (%s): drift after %d passes", i, a.name, passes)
				requireControlled(t, f)
			}

			require.NoError(t, f.admin.Delete(ctx, testSite()))
			require.NoError(t, f.reconcile(t, siteKey))
			deleted, err := CollectOrphans(ctx, f.admin, siteKey.Namespace)
			require.NoError(t, err)
			require.Equal(t, []string{"ConfigMap/plant-7-gateway", "Deployment/plant-7-gateway", "Service/plant-7-gateway"}, deleted)
			drift, err := DriftAfterDelete(ctx, f.admin, f.hub, siteKey, "plant-7")
			require.NoError(t, err)
			require.Empty(t, drift, "left after delete")
		})
	}
}

// requireControlled: every child names the EdgeSite as its controller, so
// its events reach the EdgeSite's key and the garbage collector deletes it
// with the EdgeSite (Drift judges outcomes and does not look at this).
func requireControlled(t *testing.T, f *fixture) {
	t.Helper()
	site := &edgev1.EdgeSite{}
	require.NoError(t, f.admin.Get(context.Background(), siteKey, site))
	meta := metav1.ObjectMeta{Namespace: childKey.Namespace, Name: childKey.Name}
	for _, c := range []client.Object{&corev1.ConfigMap{ObjectMeta: meta}, &appsv1.Deployment{ObjectMeta: meta}, &corev1.Service{ObjectMeta: meta}} {
		require.NoError(t, f.admin.Get(context.Background(), childKey, c))
		require.Truef(t, metav1.IsControlledBy(c, site), "%T %s is not controlled by the EdgeSite", c, childKey.Name)
	}
}
