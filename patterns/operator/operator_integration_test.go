//go:build integration

package operator

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// within is the convergence bound the integration tests hold the operator to.
const within = 10 * time.Second

// TestIntegrationOperatorUnderAttack runs the operator, as a user bound to nothing but
// the generated role, against a real kube-apiserver and etcd, and attacks it
// in turn as the demo does. After each attack the cluster and the hub must
// converge to the spec within the bound.
//
// Fault: drift | target: the children on a real kube-apiserver: one deleted, others edited | invariant: the cluster converges back to the spec within the bound
// Fault: bad-input | target: the API server, invalid EdgeSite specs | invariant: each is refused with the schema's message
// Fault: failure | target: the hub, down during a spec change | invariant: backoff, then convergence within the bound
// Fault: conflict | target: the EdgeSite, two writers racing on resourceVersion | invariant: the second is refused with 409 Conflict
func TestIntegrationOperatorUnderAttack(t *testing.T) {
	top := t // owns the managers: a subtest's cleanup would stop them early
	cp := startControlPlane(t)
	ctx := context.Background()
	hubServer, hub := startHub(t)
	opCfg, err := cp.OperatorConfig(ctx)
	require.NoError(t, err)
	op := startOperator(t, opCfg, hub)
	admin := adminClient(t, cp)
	require.NoError(t, ensureNamespace(ctx, admin, "plants"))

	key := client.ObjectKey{Namespace: "plants", Name: "plant-7"}
	child := client.ObjectKey{Namespace: "plants", Name: "plant-7-gateway"}
	drift := func(ctx context.Context) ([]string, error) { return Drift(ctx, admin, hub, key) }
	converges := func(t *testing.T) {
		t.Helper()
		_, err := WaitConverged(ctx, within, drift)
		require.NoError(t, err)
	}
	get := func(t *testing.T, key client.ObjectKey, obj client.Object) {
		t.Helper()
		require.NoError(t, admin.Get(ctx, key, obj))
	}

	require.NoError(t, admin.Create(ctx, NewEdgeSite("plants", "plant-7", "plant-7")))
	converges(t)

	t.Run("steady state writes nothing", func(t *testing.T) {
		// Against the real API server, which defaults fields the fake
		// client leaves empty: a shape that forgot one would rewrite the
		// Deployment on every pass. Poke a child with a foreign label to
		// wake the controller and check it wrote nothing.
		writes, reconciles := op.Reconciler.Writes(), op.Reconciler.Reconciles()
		require.NoError(t, editObject(ctx, admin, child, &corev1.Service{}, func(svc *corev1.Service) { svc.Labels["poked-by"] = "test" }))
		require.Eventually(t, func() bool { return op.Reconciler.Reconciles() > reconciles }, within, 10*time.Millisecond)
		converges(t)
		assert.Equal(t, writes, op.Reconciler.Writes(), "writes after a no-op reconcile")
	})

	t.Run("delete a child", func(t *testing.T) {
		dep := &appsv1.Deployment{}
		get(t, child, dep)
		require.NoError(t, admin.Delete(ctx, dep))
		converges(t)
		get(t, child, dep)
		assert.True(t, metav1.IsControlledBy(dep, mustSite(t, admin, key)))
	})

	t.Run("edit children", func(t *testing.T) {
		cm := &corev1.ConfigMap{}
		require.NoError(t, editObject(ctx, admin, child, cm, func(cm *corev1.ConfigMap) {
			cm.Data[ServerConfKey] = strings.ReplaceAll(cm.Data[ServerConfKey], "hub.factory.example", "rogue.example")
		}))
		svc := &corev1.Service{}
		require.NoError(t, editObject(ctx, admin, child, svc, func(svc *corev1.Service) {
			svc.Spec.Ports = svc.Spec.Ports[:1]
			svc.OwnerReferences = nil
		}))
		converges(t)
		get(t, child, cm)
		assert.NotContains(t, cm.Data[ServerConfKey], "rogue")
		require.Eventually(t, func() bool { // Drift judges outcomes; ownership is checked here
			get(t, child, svc)
			return metav1.IsControlledBy(svc, mustSite(t, admin, key))
		}, within, 10*time.Millisecond, "the owner reference is back")
	})

	t.Run("update the spec", func(t *testing.T) {
		oldHash := mustSite(t, admin, key).Status.ConfigHash
		require.NoError(t, editObject(ctx, admin, key, &edgev1.EdgeSite{}, func(s *edgev1.EdgeSite) {
			s.Spec.Retention.MaxAge = "72h"
			s.Spec.Subjects = append(s.Spec.Subjects, "quality.>")
		}))
		converges(t)
		site := mustSite(t, admin, key)
		assert.EqualValues(t, 2, site.Status.ObservedGeneration)
		dep := &appsv1.Deployment{}
		get(t, child, dep)
		assert.NotEqual(t, oldHash, dep.Spec.Template.Annotations[ConfigHashAnnotation], "pod template changed: the Deployment rolls")
		assert.Equal(t, site.Status.ConfigHash, dep.Spec.Template.Annotations[ConfigHashAnnotation])
	})

	t.Run("invalid specs are refused with the schema's message", func(t *testing.T) {
		cases := []struct {
			name   string
			change func(*edgev1.EdgeSite)
			field  string
			msg    string
		}{
			{"maxAge not a duration", func(s *edgev1.EdgeSite) { s.Spec.Retention.MaxAge = "45d" }, "spec.retention.maxAge", "should match"},
			{"maxAge out of range (CEL)", func(s *edgev1.EdgeSite) { s.Spec.Retention.MaxAge = "721h" }, "spec.retention.maxAge", "must be between 1m and 720h"},
			{"maxBytes out of range (CEL)", func(s *edgev1.EdgeSite) { s.Spec.Retention.MaxBytes = "100Gi" }, "spec.retention.maxBytes", "must be between 1Mi and 64Gi"},
			{"hub url scheme", func(s *edgev1.EdgeSite) { s.Spec.Hub.URL = "http://hub:7422" }, "spec.hub.url", "should match"},
			{"no subjects", func(s *edgev1.EdgeSite) { s.Spec.Subjects = []string{} }, "spec.subjects", "at least 1 items"},
			{"bad subject", func(s *edgev1.EdgeSite) { s.Spec.Subjects = []string{"telemetry..>"} }, "spec.subjects[0]", "should match"},
			{"plant is immutable (CEL transition rule)", func(s *edgev1.EdgeSite) { s.Spec.Plant = "plant-9" }, "spec.plant", "plant is immutable"},
		}
		generation := mustSite(t, admin, key).Generation
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				// The operator writes the EdgeSite's status at any time: a
				// conflict is retried, on a fresh read, until the answer is
				// the validation's.
				err := editObject(ctx, admin, key, &edgev1.EdgeSite{}, c.change)
				require.True(t, apierrors.IsInvalid(err), "want 422 Invalid, got %v", err)
				var status apierrors.APIStatus
				require.ErrorAs(t, err, &status)
				require.NotNil(t, status.Status().Details)
				var found bool
				for _, cause := range status.Status().Details.Causes {
					found = found || (cause.Field == c.field && strings.Contains(cause.Message, c.msg))
				}
				assert.True(t, found, "want %s: ...%s..., got %v", c.field, c.msg, status.Status().Details.Causes)
			})
		}
		assert.Equal(t, generation, mustSite(t, admin, key).Generation, "nothing was stored")
		converges(t)
	})

	t.Run("hub outage: backoff, then convergence", func(t *testing.T) {
		failures := op.Reconciler.Failures()
		hubServer.Stop()
		require.NoError(t, editObject(ctx, admin, key, &edgev1.EdgeSite{}, func(s *edgev1.EdgeSite) { s.Spec.Retention.MaxBytes = "2Gi" }))
		require.Eventually(t, func() bool { return op.Reconciler.Failures()-failures >= 3 }, within, 10*time.Millisecond)
		drift, err := drift(ctx)
		require.NoError(t, err)
		assert.NotEmpty(t, drift, "not converged while the hub is down")
		require.NoError(t, hubServer.Restart())
		converges(t)
	})

	t.Run("two writers race on resourceVersion", func(t *testing.T) {
		bob := mustSite(t, admin, key) // read before alice's write lands
		require.NoError(t, editObject(ctx, admin, key, &edgev1.EdgeSite{}, func(alice *edgev1.EdgeSite) { alice.Spec.Retention.MaxAge = "48h" }))
		bob.Spec.Retention.MaxAge = "12h"
		err := admin.Update(ctx, bob)
		assert.True(t, apierrors.IsConflict(err), "second writer: got %v", err)
		assert.Equal(t, "48h", mustSite(t, admin, key).Spec.Retention.MaxAge)
		converges(t)
	})

	t.Run("least privilege: the operator's identity cannot do more", func(t *testing.T) {
		c, err := client.New(opCfg, client.Options{Scheme: NewScheme()})
		require.NoError(t, err)
		err = c.List(ctx, &corev1.SecretList{}, client.InNamespace("plants"))
		assert.True(t, apierrors.IsForbidden(err), "list secrets: got %v", err)
		err = c.Delete(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "plants", Name: "plant-7-gateway"}})
		assert.True(t, apierrors.IsForbidden(err), "delete a child: got %v", err)
	})

	t.Run("leader election hands over", func(t *testing.T) {
		// A standby manager waits on the lease; the leader stops and
		// releases it; the standby takes over and corrects drift.
		standby := runOperator(top, opCfg, hub)
		select {
		case <-standby.Elected():
			require.FailNow(t, "standby elected while the leader holds the lease")
		default:
		}
		require.NoError(t, op.Stop())
		require.NoError(t, standby.WaitElected(ctx, ElectionTimeout))
		op = standby
		require.NoError(t, editObject(ctx, admin, child, &corev1.ConfigMap{}, func(cm *corev1.ConfigMap) { cm.Data[ServerConfKey] = "server_name: rogue\n" }))
		converges(t)
	})

	t.Run("delete: finalizer runs, children collected", func(t *testing.T) {
		site := mustSite(t, admin, key)
		require.NoError(t, admin.Delete(ctx, site))
		require.Eventually(t, func() bool {
			return apierrors.IsNotFound(admin.Get(ctx, key, &edgev1.EdgeSite{}))
		}, within, 10*time.Millisecond, "finalizer released the EdgeSite")
		_, err := hub.Lookup(ctx, "plant-7")
		require.ErrorIs(t, err, ErrNotRegistered, "deregistered before the EdgeSite went")

		// envtest runs no garbage collector: the children are still there,
		// each naming the deleted EdgeSite as its controller.
		dep := &appsv1.Deployment{}
		get(t, child, dep)
		assert.Equal(t, site.UID, metav1.GetControllerOf(dep).UID)

		deleted, err := CollectOrphans(ctx, admin, "plants")
		require.NoError(t, err)
		assert.Equal(t, []string{"ConfigMap/plant-7-gateway", "Deployment/plant-7-gateway", "Service/plant-7-gateway"}, deleted)
		left, err := DriftAfterDelete(ctx, admin, hub, key, "plant-7")
		require.NoError(t, err)
		assert.Empty(t, left)
	})
}

// TestIntegrationReconcileRace: a reconcile works from an EdgeSite that
// a user updates underneath it. Its status write carries the old
// resourceVersion; the API server refuses it (409 Conflict), so "ready at
// generation 2" is never recorded over generation 3, and the next reconcile
// converges to generation 3. Reconcilers are called directly here: no
// manager runs, so nothing else reconciles in between.
//
// Fault: conflict | target: a reconcile's status write on a real API server, racing a user's update | invariant: the API server refuses it (409); the next reconcile converges to the new generation
func TestIntegrationReconcileRace(t *testing.T) {
	cp := startControlPlane(t)
	ctx := context.Background()
	_, hub := startHub(t)
	admin := adminClient(t, cp)
	require.NoError(t, ensureNamespace(ctx, admin, "plants"))
	key := client.ObjectKey{Namespace: "plants", Name: "plant-3"}
	require.NoError(t, admin.Create(ctx, NewEdgeSite("plants", "plant-3", "plant-3")))

	r := &EdgeSiteReconciler{Client: admin, Scheme: NewScheme(), Hub: hub}
	reconcileUntilQuiet := func() {
		t.Helper()
		for range 5 {
			writes := r.Writes()
			_, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: key})
			require.NoError(t, err)
			if r.Writes() == writes {
				return
			}
		}
		require.FailNow(t, "reconcile still writing after 5 passes")
	}
	reconcileUntilQuiet()

	site := mustSite(t, admin, key)
	site.Spec.Retention.MaxAge = "48h"
	require.NoError(t, admin.Update(ctx, site)) // generation 2

	raced := false
	racing := interceptor.NewClient(admin, interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			err := c.Get(ctx, key, obj, opts...)
			if site, ok := obj.(*edgev1.EdgeSite); ok && err == nil && !raced {
				raced = true
				fresh := site.DeepCopy()
				fresh.Spec.Retention.MaxAge = "6h"
				if err := admin.Update(ctx, fresh); err != nil { // generation 3
					return err
				}
			}
			return err
		},
	})
	stale := &EdgeSiteReconciler{Client: racing, Scheme: NewScheme(), Hub: hub}
	_, err := stale.Reconcile(ctx, reconcile.Request{NamespacedName: key})
	require.True(t, raced)
	assert.True(t, apierrors.IsConflict(err), "stale status write: got %v", err)
	assert.EqualValues(t, 1, mustSite(t, admin, key).Status.ObservedGeneration, "the stale status did not land")

	reconcileUntilQuiet()
	drift, err := Drift(ctx, admin, hub, key)
	require.NoError(t, err)
	assert.Empty(t, drift)
	assert.EqualValues(t, 3, mustSite(t, admin, key).Status.ObservedGeneration)
}

func mustSite(t *testing.T, c client.Client, key client.ObjectKey) *edgev1.EdgeSite {
	t.Helper()
	site := &edgev1.EdgeSite{}
	require.NoError(t, c.Get(context.Background(), key, site))
	return site
}
