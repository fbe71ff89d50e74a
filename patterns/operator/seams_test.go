package operator_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/patterns/operator"
	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// TestSeamsForComposingModules is what a module that composes this one does
// (the manufacturing case: one EdgeSite per plant gateway, on the embedded
// control plane): start the control plane and a hub, start the operator
// with this module's reconciler, create EdgeSites, wait for each to be
// Ready, and stop it all. WaitReady must also say when a site is not.
func TestSeamsForComposingModules(t *testing.T) {
	if os.Getenv(operator.EnvAssets) == "" {
		labtest.Missing(t, operator.EnvAssets+" is not set: make test builds kube-apiserver and etcd once and exports it")
	}
	operator.SetLoggers(nil)
	ctx := context.Background()
	cp, err := operator.StartControlPlane(operator.ControlPlaneOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, cp.Stop()) })
	srv := labtest.NATS(t)
	hub, err := operator.NewKVHub(ctx, labtest.JetStream(t, srv.ClientURL()))
	require.NoError(t, err)

	opCfg, err := cp.OperatorConfig(ctx)
	require.NoError(t, err)
	op, err := operator.StartOperator(ctx, opCfg, operator.ManagerOptions{Hub: hub, LeaseNamespace: cp.LeaseNamespace()})
	require.NoError(t, err)
	admin, err := client.New(cp.Admin, client.Options{Scheme: operator.NewScheme()})
	require.NoError(t, err)
	require.NoError(t, cp.EnsureNamespace(ctx, "plants"))

	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("gateway-%d", i)
		require.NoError(t, admin.Create(ctx, operator.NewEdgeSite("plants", name, name)))
	}
	for i := 1; i <= 3; i++ {
		key := client.ObjectKey{Namespace: "plants", Name: fmt.Sprintf("gateway-%d", i)}
		_, err := operator.WaitReady(ctx, admin, key, time.Minute)
		require.NoError(t, err)
		drift, err := operator.Drift(ctx, admin, hub, key)
		require.NoError(t, err)
		assert.Empty(t, drift, "Ready means converged")
	}

	// A second EdgeSite for gateway-1's plant never becomes Ready. Once the
	// operator has judged it (however long that takes on a loaded machine),
	// WaitReady says why.
	again := client.ObjectKey{Namespace: "plants", Name: "gateway-1-again"}
	require.NoError(t, admin.Create(ctx, operator.NewEdgeSite(again.Namespace, again.Name, "gateway-1")))
	require.Eventually(t, func() bool {
		site := &edgev1.EdgeSite{}
		if admin.Get(ctx, again, site) != nil {
			return false
		}
		ready := meta.FindStatusCondition(site.Status.Conditions, edgev1.ConditionReady)
		return ready != nil && ready.ObservedGeneration == site.Generation
	}, time.Minute, 10*time.Millisecond, "the operator judged %s", again)
	_, err = operator.WaitReady(ctx, admin, again, 100*time.Millisecond)
	require.ErrorContains(t, err, "PlantClaimed")

	require.NoError(t, op.Stop())
	require.NoError(t, op.Stop(), "Stop twice is fine")
}
