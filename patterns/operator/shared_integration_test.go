//go:build integration

package operator

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/patternlab/patternlab/kit/goimage"
	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// TestIntegrationLeavesForeignStreamsAlone runs the demo against a separate
// nats-server (a container) on which a stream named like the demo's default
// registry (KV_edge-sites) already holds someone else's data: the demo's
// registry is a bucket of its own, that stream stays exactly as it was, and
// the demo deletes what it created.
func TestIntegrationLeavesForeignStreamsAlone(t *testing.T) {
	if os.Getenv(EnvAssets) == "" {
		labtest.Missing(t, EnvAssets+" is not set: run make test-integration, which builds kube-apiserver and etcd once")
	}
	goimage.RequireDocker(t)
	t.Setenv(EnvKubeconfig, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	url := goimage.NATS(t, ctx)
	labtest.LeavesForeignStreamsAlone(t, url, Command, []string{"KV_" + HubBucket})
}

// TestIntegrationLeavesForeignClusterObjectsAlone runs the demo with
// KUBECONFIG pointing at a cluster (a separate envtest, with the test doing
// the garbage collector's job) that already holds what the demo's defaults
// would collide with: the EdgeSite CRD, namespace plants with an EdgeSite
// plant-7 of someone else's, and a leader lease edge-system/edgesite-operator
// held by another operator. The demo must hold, leave each of those exactly
// as it was (same resourceVersion), and delete the namespaces it created.
func TestIntegrationLeavesForeignClusterObjectsAlone(t *testing.T) {
	cluster := startControlPlane(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	scheme := NewScheme()
	require.NoError(t, apiextensionsv1.AddToScheme(scheme))
	admin, err := client.New(cluster.Admin, client.Options{Scheme: scheme})
	require.NoError(t, err)

	// Someone else's objects, under the demo's default names.
	require.NoError(t, ensureNamespace(ctx, admin, "plants"))
	theirs := NewEdgeSite("plants", "plant-7", "plant-7")
	theirs.Finalizers = []string{"someone-else.example/keep"}
	require.NoError(t, admin.Create(ctx, theirs))
	require.NoError(t, ensureNamespace(ctx, admin, OperatorNamespace))
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: OperatorNamespace, Name: LeaderElectionID},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("their-operator"), LeaseDurationSeconds: ptr.To[int32](3600),
			RenewTime: &metav1.MicroTime{Time: time.Now()}},
	}
	require.NoError(t, admin.Create(ctx, lease))
	crd := &apiextensionsv1.CustomResourceDefinition{}
	require.NoError(t, admin.Get(ctx, client.ObjectKey{Name: "edgesites." + edgev1.GroupVersion.Group}, crd))
	before := map[string]string{"EdgeSite": rv(t, admin, theirs), "Lease": rv(t, admin, lease), "CRD": crd.ResourceVersion}
	var namespacesBefore corev1.NamespaceList
	require.NoError(t, admin.List(ctx, &namespacesBefore))

	// envtest runs no garbage collector; a real cluster does.
	gcCtx, stopGC := context.WithCancel(ctx)
	gcDone := make(chan struct{})
	go func() {
		defer close(gcDone)
		for gcCtx.Err() == nil {
			var nss corev1.NamespaceList
			if admin.List(gcCtx, &nss) == nil {
				for _, ns := range nss.Items {
					_, _ = CollectOrphans(gcCtx, admin, ns.Name)
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()

	u, err := cluster.env.AddUser(envtest.User{Name: "someone", Groups: []string{"system:masters"}}, cluster.Admin)
	require.NoError(t, err)
	kc, err := u.KubeConfig()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(path, kc, 0o600))
	t.Setenv(EnvKubeconfig, path)
	t.Setenv(natsembed.EnvURL, "")
	var out, errOut bytes.Buffer
	code := narrate.Exec(ctx, nil, &out, &errOut, Command)
	stopGC()
	<-gcDone
	require.Equalf(t, narrate.ExitHeld, code, "the demo against a shared cluster must hold\nstdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	assert.Contains(t, out.String(), "CRD edgesites.edge.patternlab.dev already installed: used as it is")

	require.NoError(t, admin.Get(ctx, client.ObjectKey{Name: crd.Name}, crd))
	after := map[string]string{"EdgeSite": rv(t, admin, theirs), "Lease": rv(t, admin, lease), "CRD": crd.ResourceVersion}
	assert.Equal(t, before, after, "someone else's EdgeSite, lease and CRD are untouched")

	var namespacesAfter corev1.NamespaceList
	require.NoError(t, admin.List(ctx, &namespacesAfter))
	existed := map[string]bool{}
	for _, ns := range namespacesBefore.Items {
		existed[ns.Name] = true
	}
	created := 0
	for _, ns := range namespacesAfter.Items {
		if existed[ns.Name] {
			continue
		}
		created++
		assert.Truef(t, strings.HasPrefix(ns.Name, "plants-") || strings.HasPrefix(ns.Name, OperatorNamespace+"-"),
			"the demo's namespace %s carries a unique suffix", ns.Name)
		// envtest has no namespace controller: a deleted namespace stays
		// Terminating, which is what the demo can be held to.
		assert.NotNilf(t, ns.DeletionTimestamp, "the demo's namespace %s was deleted", ns.Name)
	}
	assert.Equal(t, 2, created, "the demo created its EdgeSites' namespace and its lease's")
}

func rv(t *testing.T, c client.Client, obj client.Object) string {
	t.Helper()
	require.NoError(t, c.Get(context.Background(), client.ObjectKeyFromObject(obj), obj))
	return obj.GetResourceVersion()
}
