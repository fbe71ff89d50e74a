package operator

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

func ready(kind, reason, message string) metav1.Condition {
	return metav1.Condition{Type: kind, Status: metav1.ConditionTrue, Reason: reason, Message: message}
}

func notReady(kind, reason, message string) metav1.Condition {
	return metav1.Condition{Type: kind, Status: metav1.ConditionFalse, Reason: reason, Message: message}
}

// setStatus records what this reconcile observed. It writes only when the
// status changes: an unconditional write would wake every watcher of the
// EdgeSite on every pass, for nothing. The write carries the resourceVersion
// that was read, so a status computed from a stale EdgeSite is refused with
// a conflict and the next reconcile starts from the fresh one.
func (r *EdgeSiteReconciler) setStatus(ctx context.Context, site *edgev1.EdgeSite, hash string, conds ...metav1.Condition) error {
	read := site.DeepCopy()
	before := &read.Status
	site.Status.ObservedGeneration = site.Generation
	if hash != "" {
		site.Status.ConfigHash = hash
	}
	for _, c := range conds {
		c.ObservedGeneration = site.Generation
		// SetStatusCondition keeps lastTransitionTime unless the status flips.
		meta.SetStatusCondition(&site.Status.Conditions, c)
	}
	if equality.Semantic.DeepEqual(before, &site.Status) {
		return nil
	}
	r.writes.Add(1)
	write := func() error { return r.Client.Status().Update(ctx, site) }
	if r.Unsafe.NoResourceVersion {
		// A merge patch without a resourceVersion, as client.MergeFrom
		// makes by default: it lands whatever happened since the read.
		write = func() error { return r.Client.Status().Patch(ctx, site, client.MergeFrom(read)) }
	}
	if err := write(); err != nil {
		return fmt.Errorf("update status of %s/%s: %w", site.Namespace, site.Name, err)
	}
	return nil
}
