package operator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// memHub is an in-memory Hub for unit tests, with an outage switch.
type memHub struct {
	mu   sync.Mutex
	regs map[string]Registration
	down bool
}

var errHubDown = errors.New("hub down")

func newMemHub() *memHub { return &memHub{regs: map[string]Registration{}} }

func (h *memHub) setDown(down bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.down = down
}

func (h *memHub) Register(_ context.Context, reg Registration) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		return false, errHubDown
	}
	have, ok := h.regs[reg.Plant]
	if ok && have.Site != reg.Site {
		return false, fmt.Errorf("%w: %s", ErrPlantClaimed, reg.Plant)
	}
	if ok && fmt.Sprint(have) == fmt.Sprint(reg) {
		return false, nil
	}
	h.regs[reg.Plant] = reg
	return true, nil
}

func (h *memHub) Deregister(_ context.Context, reg Registration) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		return false, errHubDown
	}
	have, ok := h.regs[reg.Plant]
	if !ok || !have.OwnedBy(reg) {
		return false, nil
	}
	delete(h.regs, reg.Plant)
	return true, nil
}

func (h *memHub) Lookup(_ context.Context, plant string) (Registration, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		return Registration{}, errHubDown
	}
	reg, ok := h.regs[plant]
	if !ok {
		return Registration{}, ErrNotRegistered
	}
	return reg, nil
}

// eventLog records events as "Type Reason".
type eventLog struct {
	mu     sync.Mutex
	events []string
}

var _ events.EventRecorder = (*eventLog)(nil)

func (l *eventLog) Eventf(_ runtime.Object, _ runtime.Object, eventtype, reason, _, _ string, _ ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, eventtype+" "+reason)
}

func (l *eventLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.events
	l.events = nil
	return e
}

// fixture is a reconciler on the fake client, counting the writes it makes.
type fixture struct {
	c      client.Client // the reconciler's client, counting writes
	admin  client.Client // the test's client: the same store, not counted
	hub    *memHub
	events *eventLog
	r      *EdgeSiteReconciler
	writes atomic.Int64
	// beforeStatusUpdate, when set, runs before each status write: the place
	// to race the reconciler.
	beforeStatusUpdate func(ctx context.Context)
}

func newFixture(t testing.TB, objs ...client.Object) *fixture {
	t.Helper()
	f := &fixture{hub: newMemHub(), events: &eventLog{}}
	scheme := NewScheme()
	count := func() { f.writes.Add(1) }
	base := fake.NewClientBuilder().WithScheme(scheme).
		WithStatusSubresource(&edgev1.EdgeSite{}).
		WithObjects(objs...).Build()
	f.admin = base
	f.c = interceptor.NewClient(base, interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			count()
			return c.Create(ctx, obj, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			count()
			return c.Update(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, p client.Patch, opts ...client.PatchOption) error {
			count()
			return c.Patch(ctx, obj, p, opts...)
		},
		Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			count()
			return c.Delete(ctx, obj, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			count()
			if f.beforeStatusUpdate != nil {
				f.beforeStatusUpdate(ctx)
			}
			return c.SubResource(sub).Update(ctx, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
			count()
			return c.SubResource(sub).Patch(ctx, obj, p, opts...)
		},
	})
	f.r = &EdgeSiteReconciler{Client: f.c, Scheme: scheme, Hub: f.hub, Recorder: f.events}
	return f
}

func (f *fixture) reconcile(t testing.TB, key client.ObjectKey) error {
	t.Helper()
	_, err := f.r.Reconcile(context.Background(), reconcile.Request{NamespacedName: key})
	return err
}

// converge reconciles until a pass makes no write, as the work queue would
// keep doing while events arrive; it fails after max passes.
func (f *fixture) converge(t testing.TB, key client.ObjectKey, max int) int {
	t.Helper()
	for pass := 1; pass <= max; pass++ {
		before := f.writes.Load()
		if err := f.reconcile(t, key); err == nil && f.writes.Load() == before {
			return pass
		}
	}
	require.FailNowf(t, "no convergence", "still writing after %d passes", max)
	return max
}

// testSite is an EdgeSite as the API server would hold it after create:
// generation 1, defaults applied.
func testSite() *edgev1.EdgeSite {
	s := NewEdgeSite("plants", "plant-7", "plant-7")
	s.Generation = 1
	return s
}

var siteKey = client.ObjectKey{Namespace: "plants", Name: "plant-7"}
