package operator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// Operator is a running manager with the EdgeSite controller: what the demo,
// the tests and the modules that compose this one (one EdgeSite per plant
// gateway) start.
type Operator struct {
	// Reconciler is the controller's reconciler (its counters are the
	// operator's own view; judge convergence with Drift or WaitReady).
	Reconciler *EdgeSiteReconciler
	elected    <-chan struct{}
	cancel     context.CancelFunc
	done       chan error

	once sync.Once
	err  error
}

// ElectionTimeout bounds how long StartOperator waits for the lease. A fresh
// lease is taken at once; this is for a loaded machine's API server.
const ElectionTimeout = 2 * time.Minute

// RunOperator starts a manager as cfg in the background. It may still be
// waiting for the lease (a standby); Elected says when it leads.
func RunOperator(cfg *rest.Config, o ManagerOptions) (*Operator, error) {
	mgr, rec, err := NewManager(cfg, o)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	op := &Operator{Reconciler: rec, elected: mgr.Elected(), cancel: cancel, done: make(chan error, 1)}
	go func() { op.done <- mgr.Start(ctx) }()
	return op, nil
}

// StartOperator starts a manager as cfg and waits until it holds the lease.
func StartOperator(ctx context.Context, cfg *rest.Config, o ManagerOptions) (*Operator, error) {
	op, err := RunOperator(cfg, o)
	if err != nil {
		return nil, err
	}
	if err := op.WaitElected(ctx, ElectionTimeout); err != nil {
		return nil, errors.Join(err, op.Stop())
	}
	return op, nil
}

// Elected is closed once this manager holds the lease.
func (op *Operator) Elected() <-chan struct{} { return op.elected }

// WaitElected waits until the manager holds the lease, at most within.
func (op *Operator) WaitElected(ctx context.Context, within time.Duration) error {
	t := time.NewTimer(within)
	defer t.Stop()
	select {
	case <-op.elected:
		return nil
	case err := <-op.done:
		op.done <- err // keep it for Stop
		return fmt.Errorf("manager stopped before it was elected: %w", err)
	case <-t.C:
		return fmt.Errorf("manager not elected leader within %s", within)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop stops the manager, releasing the lease, and waits for it. It returns
// the manager's error, if any, and may be called more than once.
func (op *Operator) Stop() error {
	op.once.Do(func() {
		op.cancel()
		op.err = <-op.done
	})
	return op.err
}

// WaitReady waits until the EdgeSite at key, as c reads it (uncached: the
// API server's answer), is Ready at its current generation, for at most
// within. It returns how long that took, or an error that says the site's
// last state. Each read runs on ctx, not on the poll's deadline: a
// rate-limited client refuses a read whose turn would come after the
// deadline, and that refusal would hide the state the caller needs.
func WaitReady(ctx context.Context, c client.Reader, key client.ObjectKey, within time.Duration) (time.Duration, error) {
	start := time.Now()
	var last string
	err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, within, true, func(context.Context) (bool, error) {
		site := &edgev1.EdgeSite{}
		if err := c.Get(ctx, key, site); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		ready := meta.FindStatusCondition(site.Status.Conditions, edgev1.ConditionReady)
		if ready == nil {
			last = "no Ready condition"
			return false, nil
		}
		last = fmt.Sprintf("Ready=%s (%s) for generation %d of %d", ready.Status, ready.Reason, ready.ObservedGeneration, site.Generation)
		return ready.Status == metav1.ConditionTrue && ready.ObservedGeneration == site.Generation &&
			site.Status.ObservedGeneration == site.Generation, nil
	})
	took := time.Since(start)
	if wait.Interrupted(err) {
		return took, fmt.Errorf("EdgeSite %s not Ready within %s: %s", key, within, last)
	}
	return took, err
}
