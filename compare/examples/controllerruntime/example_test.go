package controllerruntime_test

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

// Renderer keeps a "<name>-rendered" ConfigMap, owned by its source, for
// every source ConfigMap. It is level-triggered: it is told only which object
// to look at, reads the desired and the observed state, and converges.
type Renderer struct{ client.Client }

func (r *Renderer) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var src corev1.ConfigMap
	if err := r.Get(ctx, req.NamespacedName, &src); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err) // gone: owner references clean up
	}
	out := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: src.Namespace, Name: src.Name + "-rendered"}}
	op, err := controllerutil.CreateOrUpdate(ctx, r.Client, out, func() error {
		out.Data = map[string]string{"motd": "Hello, " + src.Data["name"] + "!"}
		return controllerutil.SetControllerReference(&src, out, r.Scheme())
	})
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("render %s: %w", req.NamespacedName, err)
	}
	fmt.Printf("reconcile %s: %s\n", req.NamespacedName, op)
	return ctrl.Result{}, nil
}

// A manager would call Reconcile from its informers' events; here the fake
// client stands in for the API server, and the example calls it directly.
func Example() {
	ctx := context.Background()
	src := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "site-a"},
		Data:       map[string]string{"name": "plant A"},
	}
	c := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(src).Build()
	r := &Renderer{Client: c}
	req := ctrl.Request{NamespacedName: types.NamespacedName{Namespace: "default", Name: "site-a"}}

	_, _ = r.Reconcile(ctx, req)
	_, _ = r.Reconcile(ctx, req) // same state: nothing to do

	// Optimistic concurrency: an update must carry the resourceVersion it
	// read; a stale copy is refused with 409 Conflict.
	var a, b corev1.ConfigMap
	_ = c.Get(ctx, req.NamespacedName, &a)
	_ = c.Get(ctx, req.NamespacedName, &b)
	a.Data["name"] = "plant A1"
	fmt.Println("writer a:", c.Update(ctx, &a))
	b.Data["name"] = "plant A2"
	fmt.Println("writer b conflicts:", apierrors.IsConflict(c.Update(ctx, &b)))

	_, _ = r.Reconcile(ctx, req)
	var out corev1.ConfigMap
	_ = c.Get(ctx, types.NamespacedName{Namespace: "default", Name: "site-a-rendered"}, &out)
	fmt.Println("rendered:", out.Data["motd"])
	// Output:
	// reconcile default/site-a: created
	// reconcile default/site-a: unchanged
	// writer a: <nil>
	// writer b conflicts: true
	// reconcile default/site-a: updated
	// rendered: Hello, plant A1!
}
