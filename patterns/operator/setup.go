package operator

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// NewScheme knows the built-in kinds and EdgeSite.
func NewScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err) // static registration: only a programming error fails
	}
	if err := edgev1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// Backoff of a failing EdgeSite: 50ms, 100ms, 200ms... up to 30s between
// attempts, per EdgeSite, so one broken site neither spins nor slows others.
const (
	BackoffBase = 50 * time.Millisecond
	BackoffMax  = 30 * time.Second
)

// SetupWithManager registers the controller: it watches EdgeSites and the
// children they own, and feeds their keys into a rate-limited work queue.
func (r *EdgeSiteReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("edgesite").
		// Status writes do not bump metadata.generation, so the controller
		// is not woken by its own status updates. Deletion does bump it.
		For(&edgev1.EdgeSite{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&corev1.ConfigMap{}, builder.WithPredicates(OwnedFieldsChanged())).
		Owns(&appsv1.Deployment{}, builder.WithPredicates(OwnedFieldsChanged())).
		Owns(&corev1.Service{}, builder.WithPredicates(OwnedFieldsChanged())).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: 2,
			RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](
				BackoffBase, BackoffMax),
		}).
		Complete(r)
}

// OwnedFieldsChanged passes creates and deletes, and updates that change
// something other than status and bookkeeping metadata: a Deployment's
// status changes with every pod it starts, and none of that is drift.
func OwnedFieldsChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		if e.ObjectOld == nil || e.ObjectNew == nil {
			return true
		}
		return !equality.Semantic.DeepEqual(withoutBookkeeping(e.ObjectOld), withoutBookkeeping(e.ObjectNew))
	}}
}

// withoutBookkeeping returns the parts of a child that someone could change
// and that the operator may care about.
func withoutBookkeeping(obj client.Object) any {
	m := metav1.ObjectMeta{
		Labels:          obj.GetLabels(),
		Annotations:     obj.GetAnnotations(),
		OwnerReferences: obj.GetOwnerReferences(),
		Finalizers:      obj.GetFinalizers(),
	}
	switch o := obj.(type) {
	case *corev1.ConfigMap:
		return []any{m, o.Data, o.BinaryData}
	case *appsv1.Deployment:
		return []any{m, o.Spec}
	case *corev1.Service:
		return []any{m, o.Spec}
	}
	return obj
}
