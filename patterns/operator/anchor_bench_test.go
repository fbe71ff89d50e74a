package operator

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/patternlab/patternlab/kit/labtest"
	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// BenchmarkAnchorAPIServer is the anchor of BenchmarkEnvtest: what the same
// envtest kube-apiserver and etcd (the same binaries, started the same way,
// in the same run) do for a client that makes only the writes a converged
// EdgeSite needs, with no manager, informer cache, work queue or hub.
//
//   - converge/sites=N: create N EdgeSites one after another, as
//     BenchmarkEnvtest does, while two workers (the operator has two) make
//     for each the writes the operator makes: the finalizer, the ConfigMap,
//     Deployment and Service shaped as the operator shapes them (owner
//     references included) and the Ready status; sites/s, from the first
//     create to the last status, as BenchmarkEnvtest/converge reports it.
//   - drift: the same hand edit of the gateway ConfigMap as
//     BenchmarkEnvtest/drift, set back by a bare watch on that one
//     ConfigMap that updates it with the wanted data on the event; timed
//     the same way, until the API server reports it set back.
//
// The ratio is what the operator's machinery costs over the API server's
// own floor for the same writes. The anchor's client has no client-side
// rate limit; the hub registration (one KV write) is left out.
func BenchmarkAnchorAPIServer(b *testing.B) {
	if os.Getenv(EnvAssets) == "" {
		labtest.Missing(b, EnvAssets+" is not set: run make bench, which builds kube-apiserver and etcd once")
		return
	}
	SetLoggers(nil)
	cp, err := StartControlPlane(ControlPlaneOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cp.Stop() })
	ctx := context.Background()
	cfg := rest.CopyConfig(cp.Admin)
	cfg.QPS, cfg.Burst = -1, 0 // a floor: no client-side rate limit
	admin, err := client.NewWithWatch(cfg, client.Options{Scheme: NewScheme()})
	if err != nil {
		b.Fatal(err)
	}
	// Warm up as BenchmarkEnvtest does: the API server compiles the CRD's
	// CEL rules on first use.
	if err := ensureNamespace(ctx, admin, "anchor-warmup"); err != nil {
		b.Fatal(err)
	}
	if err := convergeByHand(ctx, admin, NewEdgeSite("anchor-warmup", "plant-w", "plant-w")); err != nil {
		b.Fatal(err)
	}

	round := 0
	for _, n := range []int{1, 20} {
		b.Run(fmt.Sprintf("converge/sites=%d", n), func(b *testing.B) {
			var elapsed time.Duration
			for b.Loop() {
				round++
				ns := fmt.Sprintf("anchor-%d", round)
				if err := ensureNamespace(ctx, admin, ns); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				// as in BenchmarkEnvtest, one client creates the sites while
				// two workers make the rest of each one's writes
				created := make(chan *edgev1.EdgeSite, n)
				var g errgroup.Group
				g.Go(func() error {
					defer close(created)
					for i := range n {
						name := fmt.Sprintf("plant-%d-%d", round, i)
						site := NewEdgeSite(ns, name, name)
						if err := admin.Create(ctx, site); err != nil {
							return err
						}
						created <- site
					}
					return nil
				})
				for range 2 {
					g.Go(func() error {
						for site := range created {
							if err := finishByHand(ctx, admin, site); err != nil {
								return err
							}
						}
						return nil
					})
				}
				if err := g.Wait(); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
				b.StopTimer()
				if err := waitAllReady(ctx, admin, ns, n); err != nil { // the writes did converge them
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "sites/s")
		})
	}

	b.Run("drift", func(b *testing.B) {
		ns := "anchor-drift"
		if err := ensureNamespace(ctx, admin, ns); err != nil {
			b.Fatal(err)
		}
		site := NewEdgeSite(ns, "plant-d", "plant-d")
		if err := convergeByHand(ctx, admin, site); err != nil {
			b.Fatal(err)
		}
		key := client.ObjectKey{Namespace: ns, Name: ChildName(site)}
		cm := &corev1.ConfigMap{}
		if err := admin.Get(ctx, key, cm); err != nil {
			b.Fatal(err)
		}
		want := cm.Data[ServerConfKey]
		restorerCtx, stop := context.WithCancel(ctx)
		restored := make(chan error, 1)
		go func() { restored <- restoreOnWatch(restorerCtx, admin, key, want) }()
		defer func() {
			stop()
			if err := <-restored; err != nil {
				b.Error(err)
			}
		}()
		measureDrift(b, ctx, admin, key, cm, want)
	})
}

// convergeByHand makes, with one client, the writes the operator makes for
// a new EdgeSite: create it, add the finalizer, create its three children
// with owner references, and set Ready at its generation.
func convergeByHand(ctx context.Context, c client.Client, site *edgev1.EdgeSite) error {
	if err := c.Create(ctx, site); err != nil {
		return err
	}
	return finishByHand(ctx, c, site)
}

// finishByHand makes the operator's writes for a created EdgeSite.
func finishByHand(ctx context.Context, c client.Client, site *edgev1.EdgeSite) error {
	controllerutil.AddFinalizer(site, Finalizer)
	if err := c.Update(ctx, site); err != nil {
		return err
	}
	cfg, err := RenderGatewayConfig(site.Spec)
	if err != nil {
		return err
	}
	for _, ch := range childrenOf(site, cfg) {
		ch.shape(ch.obj)
		if err := controllerutil.SetControllerReference(site, ch.obj, c.Scheme()); err != nil {
			return err
		}
		if err := c.Create(ctx, ch.obj); err != nil {
			return fmt.Errorf("create %s: %w", ch.kind, err)
		}
	}
	site.Status.ObservedGeneration = site.Generation
	site.Status.ConfigHash = cfg.Hash
	for _, cond := range []struct{ kind, reason string }{{edgev1.ConditionHubRegistered, "Registered"}, {edgev1.ConditionReady, "Reconciled"}} {
		cd := ready(cond.kind, cond.reason, "set by the anchor")
		cd.ObservedGeneration = site.Generation
		meta.SetStatusCondition(&site.Status.Conditions, cd)
	}
	return c.Status().Update(ctx, site)
}

// restoreOnWatch is the smallest controller of one ConfigMap: it watches
// it and, on each change that leaves its server configuration other than
// want, updates it back from the object the event carries (whose
// resourceVersion is the latest), until ctx ends. As an informer resyncs,
// it also reads the ConfigMap after a second without events, so an event
// the watch lost on a loaded machine costs that second (in the p99) instead
// of the run; a write that conflicts is retried on a fresh read, and a
// watch the server closed is opened again.
func restoreOnWatch(ctx context.Context, c client.WithWatch, key client.ObjectKey, want string) error {
	const resync = time.Second
	restore := func(cm *corev1.ConfigMap) error {
		for cm.Data[ServerConfKey] != want {
			cm.Data[ServerConfKey] = want
			err := c.Update(ctx, cm)
			if !apierrors.IsConflict(err) {
				return err
			}
			if err := c.Get(ctx, key, cm); err != nil {
				return err
			}
		}
		return nil
	}
	for ctx.Err() == nil {
		w, err := c.Watch(ctx, &corev1.ConfigMapList{}, client.InNamespace(key.Namespace),
			client.MatchingFieldsSelector{Selector: fields.OneTermEqualSelector("metadata.name", key.Name)})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		err = func() error {
			defer w.Stop()
			quiet := time.NewTimer(resync)
			defer quiet.Stop()
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-quiet.C:
					cm := &corev1.ConfigMap{}
					if err := c.Get(ctx, key, cm); err != nil {
						return err
					}
					if err := restore(cm); err != nil {
						return err
					}
					quiet.Reset(resync)
				case ev, ok := <-w.ResultChan():
					if !ok {
						return nil // the server closed the watch: open another
					}
					quiet.Reset(resync)
					if cm, isCM := ev.Object.(*corev1.ConfigMap); isCM && ev.Type == watch.Modified {
						if err := restore(cm); err != nil {
							return err
						}
					}
				}
			}
		}()
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("set %s back: %w", key, err)
		}
	}
	return nil
}
