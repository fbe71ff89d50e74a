package operator

import (
	"context"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// CollectOrphans does, for EdgeSite children in namespace, what
// kube-controller-manager's garbage collector does in a real cluster:
// it deletes every object whose controller owner reference names an EdgeSite
// that no longer exists (same name and uid). envtest runs only the API server
// and etcd, so without this the children of a deleted EdgeSite would stay
// forever. It returns "Kind/name" for each object it deleted, sorted.
func CollectOrphans(ctx context.Context, c client.Client, namespace string) ([]string, error) {
	lists := []struct {
		kind string
		list client.ObjectList
	}{
		{"ConfigMap", &corev1.ConfigMapList{}},
		{"Deployment", &appsv1.DeploymentList{}},
		{"Service", &corev1.ServiceList{}},
	}
	var deleted []string
	for _, l := range lists {
		if err := c.List(ctx, l.list, client.InNamespace(namespace)); err != nil {
			return deleted, fmt.Errorf("list %ss in %s: %w", l.kind, namespace, err)
		}
		items, err := meta.ExtractList(l.list)
		if err != nil {
			return deleted, fmt.Errorf("read %s list: %w", l.kind, err)
		}
		for _, item := range items {
			obj, ok := item.(client.Object)
			if !ok {
				continue
			}
			owner := metav1.GetControllerOf(obj)
			if owner == nil || owner.Kind != "EdgeSite" || owner.APIVersion != edgev1.GroupVersion.String() {
				continue
			}
			alive, err := ownerAlive(ctx, c, namespace, owner.Name, owner.UID)
			if err != nil || alive {
				if err != nil {
					return deleted, err
				}
				continue
			}
			err = c.Delete(ctx, obj, client.PropagationPolicy(metav1.DeletePropagationBackground))
			if err != nil && !apierrors.IsNotFound(err) {
				return deleted, fmt.Errorf("delete orphan %s %s: %w", l.kind, obj.GetName(), err)
			}
			deleted = append(deleted, l.kind+"/"+obj.GetName())
		}
	}
	slices.Sort(deleted)
	return deleted, nil
}

// ownerAlive reports whether the EdgeSite name with this uid exists. A new
// EdgeSite with the same name is a different owner, as for the real collector.
func ownerAlive(ctx context.Context, c client.Client, namespace, name string, uid types.UID) (bool, error) {
	site := &edgev1.EdgeSite{}
	err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, site)
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("get owner %s/%s: %w", namespace, name, err)
	}
	return site.UID == uid, nil
}
