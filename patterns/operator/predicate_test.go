package operator

import (
	"testing"

	"github.com/stretchr/testify/assert"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
)

// TestOwnedFieldsChanged: the predicate drops updates that are only status
// or bookkeeping (a Deployment's status moves with every pod) and passes
// every change someone could make to what the operator owns.
func TestOwnedFieldsChanged(t *testing.T) {
	cfg, err := RenderGatewayConfig(testSite().Spec)
	if err != nil {
		t.Fatal(err)
	}
	site := testSite()
	site.UID = "site-uid"
	dep := &appsv1.Deployment{}
	dep.Namespace = site.Namespace
	shapeDeployment(site, cfg, dep)
	if err := controllerutil.SetControllerReference(site, dep, NewScheme()); err != nil {
		t.Fatal(err)
	}
	dep.ResourceVersion = "10"
	cm := &corev1.ConfigMap{}
	shapeConfigMap(testSite(), cfg, cm)

	cases := []struct {
		name   string
		old    client.Object
		change func(client.Object)
		pass   bool
	}{
		{"deployment status", dep, func(o client.Object) {
			d := o.(*appsv1.Deployment)
			d.Status.ReadyReplicas = 1
			d.ResourceVersion = "11"
		}, false},
		{"deployment managed fields only", dep, func(o client.Object) { o.SetResourceVersion("12") }, false},
		{"deployment scaled", dep, func(o client.Object) { o.(*appsv1.Deployment).Spec.Replicas = new(int32) }, true},
		{"deployment label removed", dep, func(o client.Object) { o.SetLabels(nil) }, true},
		{"deployment owner removed", dep, func(o client.Object) { o.SetOwnerReferences(nil) }, true},
		{"configmap edited", cm, func(o client.Object) { o.(*corev1.ConfigMap).Data[ServerConfKey] = "x" }, true},
	}
	p := OwnedFieldsChanged()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			updated := c.old.DeepCopyObject().(client.Object)
			c.change(updated)
			assert.Equal(t, c.pass, p.Update(event.UpdateEvent{ObjectOld: c.old, ObjectNew: updated}))
		})
	}
}
