package informer_test

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// The handler enqueues only a key ("namespace/name"); the worker looks the
// object up in the informer's cache when it gets to it, so whatever happened
// in between, it acts on the latest state, and a deletion is the object's
// absence.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	clientset := fake.NewClientset() // stands in for the API server

	factory := informers.NewSharedInformerFactory(clientset, 0)
	configMaps := factory.Core().V1().ConfigMaps()
	queue := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())
	defer queue.ShutDown()
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			queue.Add(key)
		}
	}
	_, _ = configMaps.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	})
	stop := make(chan struct{})
	factory.Start(stop)
	defer func() { close(stop); factory.Shutdown() }()
	factory.WaitForCacheSync(ctx.Done())

	reconcile := func() {
		key, shutdown := queue.Get()
		if shutdown {
			return
		}
		defer queue.Done(key)
		ns, name, _ := cache.SplitMetaNamespaceKey(key)
		cm, err := configMaps.Lister().ConfigMaps(ns).Get(name)
		switch {
		case apierrors.IsNotFound(err):
			fmt.Printf("reconcile %s: gone, clean up\n", key)
		case err != nil:
			queue.AddRateLimited(key) // retry later, with back-off
		default:
			fmt.Printf("reconcile %s: name=%s\n", key, cm.Data["name"])
		}
		queue.Forget(key)
	}

	cms := clientset.CoreV1().ConfigMaps("default")
	_, _ = cms.Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "site-a"},
		Data:       map[string]string{"name": "plant A"},
	}, metav1.CreateOptions{})
	reconcile()
	_ = cms.Delete(ctx, "site-a", metav1.DeleteOptions{})
	reconcile()
	// Output:
	// reconcile default/site-a: name=plant A
	// reconcile default/site-a: gone, clean up
}
