package operator

import (
	"cmp"
	"fmt"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// Leader election: one manager at a time reconciles; the others wait on the
// lease, which lives in the operator's own namespace.
//
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=edge-system,resources=leases,verbs=get;create;update
// +kubebuilder:rbac:groups="",namespace=edge-system,resources=events,verbs=create;patch

// Where the leader-election lease lives, and its name.
const (
	OperatorNamespace = "edge-system"
	LeaderElectionID  = "edgesite-operator"
)

// ManagerOptions configures NewManager.
type ManagerOptions struct {
	Hub Hub
	Log logr.Logger // logr.Discard() when zero
	// LeaseNamespace holds the leader-election lease; OperatorNamespace
	// when empty (ControlPlane.LeaseNamespace on a shared cluster).
	LeaseNamespace string
	// Unsafe turns safeguards off (the demo's switches); zero keeps them.
	Unsafe Unsafe
	// Namespaces, when set, are the only namespaces the operator watches
	// (a guest on a shared cluster leaves other EdgeSites alone); all when
	// empty.
	Namespaces []string
	// WrapClient, when set, wraps the client the reconciler writes with:
	// the place to inject faults between the operator and the API server.
	WrapClient func(client.Client) client.Client
}

// NewManager builds a controller manager with leader election on and the
// EdgeSite controller registered. Start it with mgr.Start(ctx); cancelling ctx
// stops it and releases the lease.
func NewManager(cfg *rest.Config, o ManagerOptions) (ctrl.Manager, *EdgeSiteReconciler, error) {
	if o.Hub == nil {
		return nil, nil, fmt.Errorf("new manager: a Hub is required")
	}
	if o.Log.GetSink() == nil {
		o.Log = logr.Discard()
	}
	scheme := NewScheme()
	var watch cache.Options
	if len(o.Namespaces) > 0 {
		watch.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range o.Namespaces {
			watch.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Cache:                         watch,
		Scheme:                        scheme,
		Logger:                        o.Log,
		Metrics:                       metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress:        "0",
		LeaderElection:                true,
		LeaderElectionID:              LeaderElectionID,
		LeaderElectionNamespace:       cmp.Or(o.LeaseNamespace, OperatorNamespace),
		LeaderElectionReleaseOnCancel: true,
		Controller: config.Controller{
			// Tests and benchmarks start several managers in one process;
			// controller names are otherwise process-wide unique.
			SkipNameValidation: ptr.To(true),
		},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("new manager: %w", err)
	}
	c := mgr.GetClient()
	if o.WrapClient != nil {
		c = o.WrapClient(c)
	}
	r := &EdgeSiteReconciler{
		Client:   c,
		Scheme:   scheme,
		Hub:      o.Hub,
		Recorder: mgr.GetEventRecorder(ManagedBy),
		Unsafe:   o.Unsafe,
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return nil, nil, fmt.Errorf("set up edgesite controller: %w", err)
	}
	return mgr, r, nil
}
