package operator

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// Finalizer holds an EdgeSite until its plant is deregistered from the hub.
const Finalizer = "edge.patternlab.dev/hub-registration"

// EdgeSiteReconciler converges the cluster and the hub to each EdgeSite's
// spec. Reconcile reads the whole desired state (the EdgeSite) and the whole
// observed state (its children, its hub registration) every time, whatever
// event woke it: it is level-triggered, and running it twice does no more
// than running it once.
type EdgeSiteReconciler struct {
	Client   client.Client
	Scheme   *runtime.Scheme
	Hub      Hub
	Recorder events.EventRecorder
	// Unsafe turns safeguards off, for the demo's switches; the zero value
	// keeps every one of them.
	Unsafe Unsafe

	reconciles, failures, writes atomic.Int64
}

// Unsafe lists the safeguards the convergence invariant depends on, each of
// which a demo switch turns off to show what it prevents. The zero value is
// the operator as it should be.
type Unsafe struct {
	// NoFinalizer: the EdgeSite carries no finalizer, so Kubernetes deletes
	// it at once and the plant stays registered on the hub, a ghost route.
	NoFinalizer bool
	// NoResourceVersion: status is written with a merge patch that carries
	// no resourceVersion, so a status computed from an old read (a write
	// that arrives late) overwrites a newer one.
	NoResourceVersion bool
	// NoRegistrationOwner: the finalizer deregisters whatever is registered
	// under the plant's name, even another EdgeSite's registration.
	NoRegistrationOwner bool
	// NoOwnerReferences: children carry no controller reference, so their
	// events never reach the EdgeSite's key and the garbage collector never
	// deletes them.
	NoOwnerReferences bool
	// NoDriftRepair: missing children are created, existing ones are never
	// set back to the spec.
	NoDriftRepair bool
}

// ClaimRetry is how often an EdgeSite whose plant another EdgeSite owns
// looks again: the owner may be deleted, and then the plant is free.
const ClaimRetry = 30 * time.Second

// What the operator may do, and nothing more: config/rbac/role.yaml is
// generated from these lines. There is no delete verb on children: the
// garbage collector deletes them through their owner references.
//
// +kubebuilder:rbac:groups=edge.patternlab.dev,resources=edgesites,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=edge.patternlab.dev,resources=edgesites/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=edge.patternlab.dev,resources=edgesites/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=configmaps;services,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;update;patch

// Reconciles counts the calls to Reconcile so far.
func (r *EdgeSiteReconciler) Reconciles() int64 { return r.reconciles.Load() }

// Writes counts the API writes Reconcile has sent: creates, updates and
// status updates. Once converged it stays put, however often Reconcile runs.
func (r *EdgeSiteReconciler) Writes() int64 { return r.writes.Load() }

// Failures counts the calls to Reconcile that returned an error, each of
// which the work queue retried after a longer backoff.
func (r *EdgeSiteReconciler) Failures() int64 { return r.failures.Load() }

// Reconcile is f(desired, observed) -> actions for one EdgeSite. An error
// sends the request back to the work queue, which retries it after an
// exponentially growing delay (BackoffBase, doubling up to BackoffMax) and
// resets the delay after the first success.
func (r *EdgeSiteReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	r.reconciles.Add(1)
	res, err := r.reconcile(ctx, req)
	if err != nil {
		r.failures.Add(1)
	}
	return res, err
}

func (r *EdgeSiteReconciler) reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	site := &edgev1.EdgeSite{}
	if err := r.Client.Get(ctx, req.NamespacedName, site); err != nil {
		// Gone: its children carry owner references, and the garbage
		// collector removes them. Nothing is left for us to do.
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !site.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, site)
	}
	if !r.Unsafe.NoFinalizer && controllerutil.AddFinalizer(site, Finalizer) {
		// Before anything exists outside the cluster, make sure Kubernetes
		// will wait for us to clean it up.
		r.writes.Add(1)
		if err := r.Client.Update(ctx, site); err != nil {
			return ctrl.Result{}, fmt.Errorf("add finalizer to %s: %w", req, err)
		}
	}

	cfg, err := RenderGatewayConfig(site.Spec)
	if err != nil {
		// The schema should have refused this spec; retrying will not help.
		return ctrl.Result{}, r.setStatus(ctx, site, "", notReady(edgev1.ConditionReady, "InvalidSpec", err.Error()))
	}
	// Claim the plant on the hub before running a gateway for it: a plant
	// another EdgeSite owns gets no second gateway.
	hubErr := r.register(ctx, site)
	if errors.Is(hubErr, ErrPlantClaimed) {
		r.warn(site, "PlantClaimed", "Register", hubErr)
		return ctrl.Result{RequeueAfter: ClaimRetry}, r.setStatus(ctx, site, "",
			notReady(edgev1.ConditionHubRegistered, "PlantClaimed", hubErr.Error()),
			notReady(edgev1.ConditionReady, "PlantClaimed", "another EdgeSite owns the plant: no gateway runs for this one"))
	}
	// The hub being down is no reason to leave the children behind the
	// spec: they follow it, and the registration is retried with backoff.
	if err := r.applyChildren(ctx, site, cfg); err != nil {
		if apierrors.IsConflict(err) {
			// A child read from the cache before its latest write: no
			// failure of the gateway, and no reason to flip Ready. The work
			// queue retries on a fresh read.
			return ctrl.Result{}, errors.Join(err, hubErr)
		}
		var owned *controllerutil.AlreadyOwnedError
		reason := "ChildrenFailed"
		if errors.As(err, &owned) {
			reason = "ChildOwnedElsewhere"
		}
		r.warn(site, reason, "Apply", err)
		return ctrl.Result{}, errors.Join(err, hubErr, r.setStatus(ctx, site, cfg.Hash, notReady(edgev1.ConditionReady, reason, err.Error())))
	}
	if hubErr != nil {
		r.warn(site, "HubUnavailable", "Register", hubErr)
		return ctrl.Result{}, errors.Join(hubErr, r.setStatus(ctx, site, cfg.Hash,
			notReady(edgev1.ConditionHubRegistered, "HubUnavailable", hubErr.Error()),
			notReady(edgev1.ConditionReady, "HubUnavailable", "the hub does not know the plant yet")))
	}
	return ctrl.Result{}, r.setStatus(ctx, site, cfg.Hash,
		ready(edgev1.ConditionHubRegistered, "Registered", fmt.Sprintf("the hub forwards %s", site.Spec.Plant)),
		ready(edgev1.ConditionReady, "Reconciled", fmt.Sprintf("gateway runs generation %d", site.Generation)))
}

// applyChildren creates each missing child and corrects each drifted one.
// A child that is already right is not written.
func (r *EdgeSiteReconciler) applyChildren(ctx context.Context, site *edgev1.EdgeSite, cfg GatewayConfig) error {
	for _, c := range childrenOf(site, cfg) {
		op, err := r.apply(ctx, site, c)
		if err != nil {
			return fmt.Errorf("apply %s %s/%s: %w", c.kind, site.Namespace, c.obj.GetName(), err)
		}
		if op != controllerutil.OperationResultNone {
			r.writes.Add(1)
		}
		switch op {
		case controllerutil.OperationResultCreated:
			r.event(site, c.obj, "ChildCreated", "Create", "created %s %s", c.kind, c.obj.GetName())
		case controllerutil.OperationResultUpdated:
			r.event(site, c.obj, "DriftCorrected", "Update", "%s %s set back to the spec", c.kind, c.obj.GetName())
		}
	}
	return nil
}

// apply creates the child or, if it exists, shapes it and updates it when
// that changed anything (on the resourceVersion read).
func (r *EdgeSiteReconciler) apply(ctx context.Context, site *edgev1.EdgeSite, c child) (controllerutil.OperationResult, error) {
	mutate := func() error {
		c.shape(c.obj)
		if r.Unsafe.NoOwnerReferences {
			return nil
		}
		return controllerutil.SetControllerReference(site, c.obj, r.Scheme)
	}
	if !r.Unsafe.NoDriftRepair {
		return controllerutil.CreateOrUpdate(ctx, r.Client, c.obj, mutate)
	}
	// Without drift repair: create what is missing, leave the rest alone.
	err := r.Client.Get(ctx, client.ObjectKeyFromObject(c.obj), c.obj)
	if !apierrors.IsNotFound(err) {
		return controllerutil.OperationResultNone, err
	}
	if err := mutate(); err != nil {
		return controllerutil.OperationResultNone, err
	}
	return controllerutil.OperationResultCreated, r.Client.Create(ctx, c.obj)
}

// register makes the hub's registry match the spec.
func (r *EdgeSiteReconciler) register(ctx context.Context, site *edgev1.EdgeSite) error {
	changed, err := r.Hub.Register(ctx, RegistrationFor(site))
	if err != nil {
		return err
	}
	if changed {
		r.event(site, nil, "Registered", "Register", "hub registry updated for plant %s", site.Spec.Plant)
	}
	return nil
}

// finalize deregisters the plant, if this EdgeSite registered it, then lets
// Kubernetes delete the EdgeSite. If the hub cannot be reached the finalizer
// stays and the request is retried with backoff: the EdgeSite is not
// forgotten while the hub still routes its plant.
func (r *EdgeSiteReconciler) finalize(ctx context.Context, site *edgev1.EdgeSite) error {
	if !controllerutil.ContainsFinalizer(site, Finalizer) {
		return nil
	}
	removed, err := r.deregister(ctx, site)
	if err != nil {
		r.warn(site, "HubUnavailable", "Deregister", err)
		return fmt.Errorf("finalize %s/%s: %w", site.Namespace, site.Name, err)
	}
	if removed {
		r.event(site, nil, "Deregistered", "Deregister", "plant %s removed from the hub", site.Spec.Plant)
	} else {
		r.event(site, nil, "RegistrationNotOwned", "Deregister", "plant %s is not registered by this EdgeSite: nothing to remove", site.Spec.Plant)
	}
	controllerutil.RemoveFinalizer(site, Finalizer)
	r.writes.Add(1)
	if err := r.Client.Update(ctx, site); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove finalizer from %s/%s: %w", site.Namespace, site.Name, err)
	}
	return nil
}

// deregister removes this EdgeSite's registration, and only its own: an
// EdgeSite whose claim on the plant was refused leaves the owner's alone.
func (r *EdgeSiteReconciler) deregister(ctx context.Context, site *edgev1.EdgeSite) (bool, error) {
	mine := RegistrationFor(site)
	if r.Unsafe.NoRegistrationOwner {
		// The bug this switch puts back: remove whatever is registered
		// under the plant's name.
		have, err := r.Hub.Lookup(ctx, mine.Plant)
		if errors.Is(err, ErrNotRegistered) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		mine = have
	}
	return r.Hub.Deregister(ctx, mine)
}

func (r *EdgeSiteReconciler) event(site *edgev1.EdgeSite, related runtime.Object, reason, action, note string, args ...any) {
	if r.Recorder != nil {
		r.Recorder.Eventf(site, related, corev1.EventTypeNormal, reason, action, note, args...)
	}
}

func (r *EdgeSiteReconciler) warn(site *edgev1.EdgeSite, reason, action string, err error) {
	if r.Recorder != nil {
		r.Recorder.Eventf(site, nil, corev1.EventTypeWarning, reason, action, "%v", err)
	}
}
