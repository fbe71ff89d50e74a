package operator

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

var childKey = client.ObjectKey{Namespace: "plants", Name: "plant-7-gateway"}

// edit reads obj at key through the test's client, changes it and writes it
// back: a user or another controller, not the reconciler.
func edit[T client.Object](t *testing.T, f *fixture, key client.ObjectKey, obj T, change func(T)) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, f.admin.Get(ctx, key, obj))
	change(obj)
	require.NoError(t, f.admin.Update(ctx, obj))
}

// TestReconcile runs one reconcile from each state an EdgeSite and its world
// can be in, and checks the actions taken: the writes, the events, the hub.
func TestReconcile(t *testing.T) {
	type state struct {
		name        string
		converged   bool // start from a converged EdgeSite (else from a fresh one)
		prepare     func(t *testing.T, f *fixture)
		wantErr     bool
		wantRequeue time.Duration
		writes      int64    // API writes the reconcile makes
		events      []string // events it records, in order
		check       func(t *testing.T, f *fixture)
		settled     bool // Drift must be empty afterwards
	}
	states := []state{
		{
			name:   "new EdgeSite: finalizer, registration, three children, status",
			writes: 5, // finalizer, ConfigMap, Deployment, Service, status
			events: []string{"Normal Registered", "Normal ChildCreated", "Normal ChildCreated", "Normal ChildCreated"},
			check: func(t *testing.T, f *fixture) {
				site := &edgev1.EdgeSite{}
				require.NoError(t, f.admin.Get(context.Background(), siteKey, site))
				assert.Contains(t, site.Finalizers, Finalizer)
				assert.True(t, meta.IsStatusConditionTrue(site.Status.Conditions, edgev1.ConditionReady))
			},
			settled: true,
		},
		{
			name: "converged: nothing to do, nothing written", converged: true,
			settled: true,
		},
		{
			name: "child deleted: recreated", converged: true,
			prepare: func(t *testing.T, f *fixture) {
				require.NoError(t, f.admin.Delete(context.Background(), &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "plants", Name: "plant-7-gateway"}}))
			},
			writes: 1, events: []string{"Normal ChildCreated"}, settled: true,
		},
		{
			name: "ConfigMap edited by hand: set back", converged: true,
			prepare: func(t *testing.T, f *fixture) {
				edit(t, f, childKey, &corev1.ConfigMap{}, func(cm *corev1.ConfigMap) { cm.Data[ServerConfKey] = "server_name: rogue\n" })
			},
			writes: 1, events: []string{"Normal DriftCorrected"}, settled: true,
		},
		{
			name: "Deployment scaled to zero: scaled back", converged: true,
			prepare: func(t *testing.T, f *fixture) {
				edit(t, f, childKey, &appsv1.Deployment{}, func(d *appsv1.Deployment) { d.Spec.Replicas = new(int32) })
			},
			writes: 1, events: []string{"Normal DriftCorrected"}, settled: true,
		},
		{
			name: "sidecar and label added by someone else: not ours, left alone", converged: true,
			prepare: func(t *testing.T, f *fixture) {
				edit(t, f, childKey, &appsv1.Deployment{}, func(d *appsv1.Deployment) {
					d.Labels["team"] = "plant-ops"
					d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, corev1.Container{Name: "exporter", Image: "exporter:1"})
				})
			},
			settled: true,
			check: func(t *testing.T, f *fixture) {
				d := &appsv1.Deployment{}
				require.NoError(t, f.admin.Get(context.Background(), childKey, d))
				assert.Len(t, d.Spec.Template.Spec.Containers, 2)
			},
		},
		{
			name: "spec updated: config, rollout, registration, status", converged: true,
			prepare: func(t *testing.T, f *fixture) {
				edit(t, f, siteKey, &edgev1.EdgeSite{}, func(s *edgev1.EdgeSite) {
					s.Spec.Retention.MaxAge = "72h"
					s.Generation = 2 // the API server bumps it on a spec change; the fake client does not
				})
			},
			writes: 3, // ConfigMap, Deployment, status
			events: []string{"Normal Registered", "Normal DriftCorrected", "Normal DriftCorrected"},
			check: func(t *testing.T, f *fixture) {
				site := &edgev1.EdgeSite{}
				require.NoError(t, f.admin.Get(context.Background(), siteKey, site))
				assert.EqualValues(t, 2, site.Status.ObservedGeneration)
			},
			settled: true,
		},
		{
			name: "subjects reordered: same set, no rollout", converged: true,
			prepare: func(t *testing.T, f *fixture) {
				edit(t, f, siteKey, &edgev1.EdgeSite{}, func(s *edgev1.EdgeSite) {
					s.Spec.Subjects = []string{s.Spec.Subjects[1], s.Spec.Subjects[0]}
					s.Generation = 2
				})
			},
			writes:  1, // status: observedGeneration 2
			settled: true,
		},
		{
			name: "registration changed on the hub: registered again, no API write", converged: true,
			prepare: func(t *testing.T, f *fixture) {
				f.hub.regs["plant-7"] = Registration{Plant: "plant-7", Site: "plants/plant-7", MaxAge: "1m"}
			},
			events: []string{"Normal Registered"}, settled: true,
		},
		{
			name: "hub down: error for backoff, status says why", converged: true,
			prepare: func(t *testing.T, f *fixture) {
				edit(t, f, siteKey, &edgev1.EdgeSite{}, func(s *edgev1.EdgeSite) { s.Spec.Retention.MaxBytes = "2Gi"; s.Generation = 2 })
				f.hub.setDown(true)
			},
			wantErr: true,
			writes:  3, // ConfigMap and Deployment still follow the spec; status
			events:  []string{"Normal DriftCorrected", "Normal DriftCorrected", "Warning HubUnavailable"},
			check: func(t *testing.T, f *fixture) {
				site := &edgev1.EdgeSite{}
				require.NoError(t, f.admin.Get(context.Background(), siteKey, site))
				c := meta.FindStatusCondition(site.Status.Conditions, edgev1.ConditionReady)
				require.NotNil(t, c)
				assert.Equal(t, "HubUnavailable", c.Reason)
				assert.EqualValues(t, 2, c.ObservedGeneration)
			},
		},
		{
			name: "deleted: finalizer deregisters, then releases", converged: true,
			prepare: func(t *testing.T, f *fixture) {
				require.NoError(t, f.admin.Delete(context.Background(), testSite()))
			},
			writes: 1, events: []string{"Normal Deregistered"},
			check: func(t *testing.T, f *fixture) {
				assert.True(t, apierrors.IsNotFound(f.admin.Get(context.Background(), siteKey, &edgev1.EdgeSite{})), "EdgeSite released")
				_, err := f.hub.Lookup(context.Background(), "plant-7")
				assert.ErrorIs(t, err, ErrNotRegistered)
			},
		},
		{
			name: "deleted while the hub is down: finalizer holds, error for backoff", converged: true,
			prepare: func(t *testing.T, f *fixture) {
				require.NoError(t, f.admin.Delete(context.Background(), testSite()))
				f.hub.setDown(true)
			},
			wantErr: true, events: []string{"Warning HubUnavailable"},
			check: func(t *testing.T, f *fixture) {
				site := &edgev1.EdgeSite{}
				require.NoError(t, f.admin.Get(context.Background(), siteKey, site))
				assert.Contains(t, site.Finalizers, Finalizer)
			},
		},
		{
			name: "gone: nothing to do", converged: true,
			prepare: func(t *testing.T, f *fixture) {
				edit(t, f, siteKey, &edgev1.EdgeSite{}, func(s *edgev1.EdgeSite) { s.Finalizers = nil })
				require.NoError(t, f.admin.Delete(context.Background(), testSite()))
			},
		},
		{
			name: "a child of the same name owned by someone else: not taken over",
			prepare: func(t *testing.T, f *fixture) {
				other := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "plants", Name: "plant-7-gateway"}}
				owner := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "plants", Name: "other", UID: "other-uid"}}
				require.NoError(t, controllerutil.SetControllerReference(owner, other, NewScheme()))
				require.NoError(t, f.admin.Create(context.Background(), other))
			},
			wantErr: true,
			writes:  2, // finalizer, status
			events:  []string{"Normal Registered", "Warning ChildOwnedElsewhere"},
			check: func(t *testing.T, f *fixture) {
				site := &edgev1.EdgeSite{}
				require.NoError(t, f.admin.Get(context.Background(), siteKey, site))
				assert.Equal(t, "ChildOwnedElsewhere", meta.FindStatusCondition(site.Status.Conditions, edgev1.ConditionReady).Reason)
			},
		},
		{
			name: "a plant another EdgeSite owns: claim refused, no gateway, looked at again later",
			prepare: func(t *testing.T, f *fixture) {
				f.hub.regs["plant-7"] = Registration{Plant: "plant-7", Site: "elsewhere/plant-7", UID: "other-uid"}
			},
			wantRequeue: ClaimRetry,
			writes:      2, // finalizer, status
			events:      []string{"Warning PlantClaimed"},
			check: func(t *testing.T, f *fixture) {
				site := &edgev1.EdgeSite{}
				require.NoError(t, f.admin.Get(context.Background(), siteKey, site))
				assert.Equal(t, "PlantClaimed", meta.FindStatusCondition(site.Status.Conditions, edgev1.ConditionReady).Reason)
				assert.True(t, apierrors.IsNotFound(f.admin.Get(context.Background(), childKey, &appsv1.Deployment{})), "no second gateway for the plant")
				assert.Equal(t, "elsewhere/plant-7", f.hub.regs["plant-7"].Site, "the owner keeps it")
			},
		},
		{
			name: "deleted, its claim refused: the owner's registration stays", converged: true,
			prepare: func(t *testing.T, f *fixture) {
				f.hub.regs["plant-7"] = Registration{Plant: "plant-7", Site: "elsewhere/plant-7", UID: "other-uid"}
				require.NoError(t, f.admin.Delete(context.Background(), testSite()))
			},
			writes: 1, events: []string{"Normal RegistrationNotOwned"},
			check: func(t *testing.T, f *fixture) {
				assert.True(t, apierrors.IsNotFound(f.admin.Get(context.Background(), siteKey, &edgev1.EdgeSite{})), "EdgeSite released")
				assert.Equal(t, "elsewhere/plant-7", f.hub.regs["plant-7"].Site)
			},
		},
		{
			name: "spec the schema should have refused: reported, not retried",
			prepare: func(t *testing.T, f *fixture) {
				edit(t, f, siteKey, &edgev1.EdgeSite{}, func(s *edgev1.EdgeSite) { s.Spec.Retention.MaxAge = "forever" })
			},
			writes: 2, // finalizer, status
			check: func(t *testing.T, f *fixture) {
				site := &edgev1.EdgeSite{}
				require.NoError(t, f.admin.Get(context.Background(), siteKey, site))
				assert.Equal(t, "InvalidSpec", meta.FindStatusCondition(site.Status.Conditions, edgev1.ConditionReady).Reason)
				assert.True(t, apierrors.IsNotFound(f.admin.Get(context.Background(), childKey, &corev1.ConfigMap{})), "no children")
			},
		},
	}
	for _, st := range states {
		t.Run(st.name, func(t *testing.T) {
			f := newFixture(t, testSite())
			if st.converged {
				f.converge(t, siteKey, 3)
				f.events.take()
			}
			if st.prepare != nil {
				st.prepare(t, f)
			}
			before := f.writes.Load()
			res, err := f.r.Reconcile(context.Background(), reconcile.Request{NamespacedName: siteKey})
			assert.Equal(t, st.wantRequeue, res.RequeueAfter, "requeue after")
			if st.wantErr {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, st.writes, f.writes.Load()-before, "API writes")
			assert.Equal(t, st.events, f.events.take(), "events")
			if st.check != nil {
				st.check(t, f)
			}
			if st.settled {
				drift, err := Drift(context.Background(), f.admin, f.hub, siteKey)
				require.NoError(t, err)
				assert.Empty(t, drift, "drift after one reconcile")
				before := f.writes.Load()
				require.NoError(t, f.reconcile(t, siteKey))
				assert.Equal(t, before, f.writes.Load(), "a second reconcile must write nothing (idempotent)")
			}
		})
	}
}
