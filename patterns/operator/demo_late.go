package operator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"

	"sigs.k8s.io/controller-runtime/pkg/client"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// errHeldInFlight is what the operator is told when the demo holds its
// status write: as far as it can tell, the request timed out.
var errHeldInFlight = fmt.Errorf("status write held in flight by the demo: %w", context.DeadlineExceeded)

// lateWrites holds one status write of the operator to one EdgeSite in
// flight: the operator is told it timed out and retries, and the demo
// delivers the request later, as a slow network, a retrying proxy or a
// former leader's last request would. Sent as it was, it carries what the
// operator read back then: with a resourceVersion the API server can refuse
// it; without one it lands.
type lateWrites struct {
	key client.ObjectKey

	mu         sync.Mutex
	generation int64 // hold the first write for this generation or later; 0: disarmed
	held       *heldWrite
	ready      chan struct{} // closed when a write is held
}

type heldWrite struct {
	w     client.SubResourceWriter // the operator's own status writer
	obj   *edgev1.EdgeSite         // as the operator sent it
	patch client.Patch             // nil for an update
}

// arm holds the next status write for generation or later.
func (l *lateWrites) arm(generation int64) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.generation, l.held, l.ready = generation, nil, make(chan struct{})
	return l.ready
}

// hold keeps the write if armed for it.
func (l *lateWrites) hold(w client.SubResourceWriter, obj client.Object, patch client.Patch) (bool, error) {
	site, ok := obj.(*edgev1.EdgeSite)
	if !ok || client.ObjectKeyFromObject(obj) != l.key {
		return false, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.generation == 0 || site.Generation < l.generation {
		return false, nil
	}
	h := &heldWrite{w: w, obj: site.DeepCopy()}
	if patch != nil {
		// The bytes as they would have gone on the wire, now.
		data, err := patch.Data(obj)
		if err != nil {
			return false, err
		}
		h.patch = client.RawPatch(patch.Type(), data)
	}
	l.held, l.generation = h, 0
	close(l.ready)
	return true, nil
}

// deliver sends the held write to the API server and returns its answer,
// with the generation the write describes.
func (l *lateWrites) deliver(ctx context.Context) (int64, error) {
	l.mu.Lock()
	h := l.held
	l.held = nil
	l.mu.Unlock()
	if h == nil {
		return 0, errors.New("no status write is held")
	}
	generation := h.obj.Status.ObservedGeneration
	if h.patch != nil {
		return generation, h.w.Patch(ctx, h.obj, h.patch)
	}
	return generation, h.w.Update(ctx, h.obj)
}

// wrap is ManagerOptions.WrapClient: the operator's client, with its status
// writes passing through hold.
func (l *lateWrites) wrap(c client.Client) client.Client { return lateClient{Client: c, l: l} }

type lateClient struct {
	client.Client
	l *lateWrites
}

func (c lateClient) Status() client.SubResourceWriter {
	return lateStatus{SubResourceWriter: c.Client.Status(), l: c.l}
}

type lateStatus struct {
	client.SubResourceWriter
	l *lateWrites
}

func (s lateStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	if held, err := s.l.hold(s.SubResourceWriter, obj, nil); held || err != nil {
		return cmp.Or(err, errHeldInFlight)
	}
	return s.SubResourceWriter.Update(ctx, obj, opts...)
}

func (s lateStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	if held, err := s.l.hold(s.SubResourceWriter, obj, patch); held || err != nil {
		return cmp.Or(err, errHeldInFlight)
	}
	return s.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}
