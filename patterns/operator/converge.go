package operator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// Drift lists every way the cluster and the hub differ from what the
// EdgeSite at key asks for; an empty list means converged. It reads through
// c, which should be uncached (the API server's answer, not the operator's
// view of it), and it is the judge the demo and the tests use.
//
// It judges outcomes, not the operator's means: a missing finalizer or
// owner reference is not drift by itself; what they prevent (a ghost
// registration after delete, a deleted child never recreated, children
// outliving their EdgeSite) is, and the demo's attacks make it happen.
func Drift(ctx context.Context, c client.Reader, hub Hub, key client.ObjectKey) ([]string, error) {
	site := &edgev1.EdgeSite{}
	if err := c.Get(ctx, key, site); err != nil {
		return nil, fmt.Errorf("get EdgeSite %s: %w", key, err)
	}
	var drift []string
	if got := site.Status.ObservedGeneration; got != site.Generation {
		drift = append(drift, fmt.Sprintf("status describes generation %d, spec is %d", got, site.Generation))
	}
	if c := meta.FindStatusCondition(site.Status.Conditions, edgev1.ConditionReady); c == nil ||
		c.Status != metav1.ConditionTrue || c.ObservedGeneration != site.Generation {
		drift = append(drift, "not Ready for the current generation")
	}
	cfg, err := RenderGatewayConfig(site.Spec)
	if err != nil {
		return nil, err
	}
	if site.Status.ConfigHash != cfg.Hash {
		drift = append(drift, fmt.Sprintf("status config hash %q, spec renders %q", site.Status.ConfigHash, cfg.Hash))
	}
	for _, ch := range childrenOf(site, cfg) {
		err := c.Get(ctx, client.ObjectKeyFromObject(ch.obj), ch.obj)
		if apierrors.IsNotFound(err) {
			drift = append(drift, ch.kind+" "+ch.obj.GetName()+" missing")
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("get %s %s: %w", ch.kind, ch.obj.GetName(), err)
		}
		want := ch.obj.DeepCopyObject().(client.Object)
		ch.shape(want)
		if !equality.Semantic.DeepEqual(want, ch.obj) {
			drift = append(drift, ch.kind+" "+ch.obj.GetName()+" differs from the spec")
		}
	}
	reg, err := hub.Lookup(ctx, site.Spec.Plant)
	switch {
	case errors.Is(err, ErrNotRegistered):
		drift = append(drift, "plant "+site.Spec.Plant+" not registered on the hub")
	case err != nil:
		drift = append(drift, "hub unreachable: "+err.Error())
	case !equality.Semantic.DeepEqual(reg, RegistrationFor(site)):
		drift = append(drift, "hub registration of "+site.Spec.Plant+" differs from the spec")
	}
	return drift, nil
}

// DriftAfterDelete lists what is left of a deleted EdgeSite: the EdgeSite
// itself, its children, its hub registration. Converged means nothing.
func DriftAfterDelete(ctx context.Context, c client.Reader, hub Hub, key client.ObjectKey, plant string) ([]string, error) {
	var drift []string
	site := &edgev1.EdgeSite{}
	switch err := c.Get(ctx, key, site); {
	case err == nil:
		drift = append(drift, "EdgeSite "+key.Name+" still exists (finalizers "+fmt.Sprint(site.Finalizers)+")")
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("get EdgeSite %s: %w", key, err)
	}
	site.Name, site.Namespace = key.Name, key.Namespace
	for _, ch := range childrenOf(site, GatewayConfig{}) {
		switch err := c.Get(ctx, client.ObjectKeyFromObject(ch.obj), ch.obj); {
		case err == nil:
			drift = append(drift, ch.kind+" "+ch.obj.GetName()+" still exists")
		case !apierrors.IsNotFound(err):
			return nil, fmt.Errorf("get %s %s: %w", ch.kind, ch.obj.GetName(), err)
		}
	}
	switch _, err := hub.Lookup(ctx, plant); {
	case err == nil:
		drift = append(drift, "plant "+plant+" still registered on the hub")
	case !errors.Is(err, ErrNotRegistered):
		drift = append(drift, "hub unreachable: "+err.Error())
	}
	return drift, nil
}

// ErrNotConverged is returned by WaitConverged when the deadline passes with
// drift left.
var ErrNotConverged = errors.New("did not converge")

// WaitConverged polls drift until it reports nothing, for at most within. It
// returns how long convergence took, or ErrNotConverged with the drift left.
func WaitConverged(ctx context.Context, within time.Duration, drift func(context.Context) ([]string, error)) (time.Duration, error) {
	start := time.Now()
	var last []string
	// drift reads with ctx, not the poll's deadline: a read that a client's
	// rate limiter would delay past the deadline is an answer late, not a
	// failure of the judge.
	err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, within, true, func(context.Context) (bool, error) {
		d, err := drift(ctx)
		if err != nil {
			return false, err
		}
		last = d
		return len(d) == 0, nil
	})
	took := time.Since(start)
	if err != nil {
		if wait.Interrupted(err) {
			return took, fmt.Errorf("%w within %s: [%s]", ErrNotConverged, within, strings.Join(last, "; "))
		}
		return took, err
	}
	return took, nil
}
