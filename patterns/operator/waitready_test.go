package operator

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/flowcontrol"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// TestWaitReadySaysWhyOnARateLimitedClient: a client with client-go's
// default limit (5 requests a second, as client.New gives a rest.Config
// without QPS) refuses a read whose turn would come after the poll's
// deadline. WaitReady returned that refusal ("rate: Wait(n=1) would exceed
// context deadline") instead of the site's state, which is what its caller
// needs (the seams test failed so under load, looking for PlantClaimed).
func TestWaitReadySaysWhyOnARateLimitedClient(t *testing.T) {
	site := testSite()
	meta.SetStatusCondition(&site.Status.Conditions, metav1.Condition{
		Type: edgev1.ConditionReady, Status: metav1.ConditionFalse, Reason: "PlantClaimed", ObservedGeneration: 1,
	})
	base := fake.NewClientBuilder().WithScheme(NewScheme()).WithStatusSubresource(&edgev1.EdgeSite{}).WithObjects(site).Build()
	limit := flowcontrol.NewTokenBucketRateLimiter(5, 1)
	limited := interceptor.NewClient(base, interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if err := limit.Wait(ctx); err != nil {
				return err
			}
			return c.Get(ctx, key, obj, opts...)
		},
	})
	_, err := WaitReady(context.Background(), limited, siteKey, 300*time.Millisecond)
	require.ErrorContains(t, err, "PlantClaimed")
	require.ErrorContains(t, err, "not Ready within")
}
