package operator

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/patternlab/patternlab/kit/labtest"
	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// BenchmarkReconcileFakeClient is the reference: the reconcile function
// alone, on the in-memory fake client and hub, with no API server, network
// or serialization. "steady" is a converged EdgeSite (reads only, no write);
// "drift" has a hand-edited ConfigMap to set back on every pass.
func BenchmarkReconcileFakeClient(b *testing.B) {
	for _, drift := range []bool{false, true} {
		name := map[bool]string{false: "steady", true: "drift"}[drift]
		b.Run(name, func(b *testing.B) {
			f := newFixture(b, testSite())
			f.converge(b, siteKey, 3)
			cm := &corev1.ConfigMap{}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if drift {
					b.StopTimer()
					if err := f.admin.Get(ctx, childKey, cm); err != nil {
						b.Fatal(err)
					}
					cm.Data[ServerConfKey] = "server_name: rogue\n"
					if err := f.admin.Update(ctx, cm); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				if err := f.reconcile(b, siteKey); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reconciles/s")
		})
	}
}

// BenchmarkEnvtest runs the operator (manager, informers, work queue, two
// workers) against envtest's kube-apiserver and etcd on this machine:
//   - converge/sites=N: create N EdgeSites at once and wait until every one
//     is Ready at its generation; sites/s and reconciles/s.
//   - drift: edit one gateway ConfigMap by hand and time until the operator
//     has set it back, as the API server reports it; p50 and p99.
func BenchmarkEnvtest(b *testing.B) {
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
	srv := labtest.NATS(b)
	nc := labtest.Conn(b, srv.ClientURL(), nats.ReconnectBufSize(-1))
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	hub, err := NewKVHub(ctx, js)
	if err != nil {
		b.Fatal(err)
	}
	opCfg, err := cp.OperatorConfig(ctx)
	if err != nil {
		b.Fatal(err)
	}
	mgr, rec, err := NewManager(opCfg, ManagerOptions{Hub: hub})
	if err != nil {
		b.Fatal(err)
	}
	mgrCtx, stop := context.WithCancel(ctx)
	var g errgroup.Group
	g.Go(func() error { return mgr.Start(mgrCtx) })
	b.Cleanup(func() {
		stop()
		_ = g.Wait()
	})
	<-mgr.Elected()
	admin, err := client.New(cp.Admin, client.Options{Scheme: NewScheme()})
	if err != nil {
		b.Fatal(err)
	}

	// Warm up: the controller starts its workers only after its caches
	// have synced, and the API server compiles the CRD's CEL rules on
	// first use. Neither belongs in the numbers.
	if err := ensureNamespace(ctx, admin, "bench-warmup"); err != nil {
		b.Fatal(err)
	}
	warm := time.Now()
	if err := admin.Create(ctx, NewEdgeSite("bench-warmup", "plant-w", "plant-w")); err != nil {
		b.Fatal(err)
	}
	if err := waitAllReady(ctx, admin, "bench-warmup", 1); err != nil {
		b.Fatal(err)
	}
	b.Logf("first EdgeSite ready %s after the manager was elected", time.Since(warm))

	round := 0
	for _, n := range []int{1, 20} {
		b.Run(fmt.Sprintf("converge/sites=%d", n), func(b *testing.B) {
			var elapsed time.Duration
			reconciles := int64(0)
			for b.Loop() {
				round++
				ns := fmt.Sprintf("bench-%d", round)
				if err := ensureNamespace(ctx, admin, ns); err != nil {
					b.Fatal(err)
				}
				before := rec.Reconciles()
				start := time.Now()
				for i := range n {
					name := fmt.Sprintf("plant-%d-%d", round, i)
					if err := admin.Create(ctx, NewEdgeSite(ns, name, name)); err != nil {
						b.Fatal(err)
					}
				}
				if err := waitAllReady(ctx, admin, ns, n); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
				reconciles += rec.Reconciles() - before
				b.StopTimer()
				if err := admin.DeleteAllOf(ctx, &edgev1.EdgeSite{}, client.InNamespace(ns)); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "sites/s")
			b.ReportMetric(float64(reconciles)/elapsed.Seconds(), "reconciles/s")
			b.ReportMetric(float64(reconciles)/float64(n*b.N), "reconciles/site")
		})
	}

	b.Run("drift", func(b *testing.B) {
		ns := "bench-drift"
		if err := ensureNamespace(ctx, admin, ns); err != nil {
			b.Fatal(err)
		}
		if err := admin.Create(ctx, NewEdgeSite(ns, "plant-d", "plant-d")); err != nil {
			b.Fatal(err)
		}
		if err := waitAllReady(ctx, admin, ns, 1); err != nil {
			b.Fatal(err)
		}
		key := client.ObjectKey{Namespace: ns, Name: "plant-d-gateway"}
		cm := &corev1.ConfigMap{}
		if err := admin.Get(ctx, key, cm); err != nil {
			b.Fatal(err)
		}
		want := cm.Data[ServerConfKey]
		measureDrift(b, ctx, admin, key, cm, want)
	})
}

// waitAllReady waits until n EdgeSites in ns are Ready at their generation.
func waitAllReady(ctx context.Context, c client.Client, ns string, n int) error {
	return wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		var list edgev1.EdgeSiteList
		if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return false, err
		}
		ready := 0
		for _, s := range list.Items {
			c := meta.FindStatusCondition(s.Status.Conditions, edgev1.ConditionReady)
			if c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == s.Generation {
				ready++
			}
		}
		return ready == n, nil
	})
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// measureDrift edits the gateway's ConfigMap by hand, b.N times, and times
// how long until something (the operator, or the anchor's bare watch) has
// set it back to want: p50 and p99 in ms.
func measureDrift(b *testing.B, ctx context.Context, admin client.Client, key client.ObjectKey, cm *corev1.ConfigMap, want string) {
	b.Helper()
	var took []time.Duration
	for b.Loop() {
		if err := admin.Get(ctx, key, cm); err != nil {
			b.Fatal(err)
		}
		cm.Data[ServerConfKey] = "server_name: rogue\n"
		if err := admin.Update(ctx, cm); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		err := wait.PollUntilContextTimeout(ctx, time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
			err := admin.Get(ctx, key, cm)
			return err == nil && cm.Data[ServerConfKey] == want, err
		})
		if err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(ms(took[len(took)/2]), "p50-ms")
	b.ReportMetric(ms(took[len(took)*99/100]), "p99-ms")
}
