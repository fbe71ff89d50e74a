package operator

import (
	"fmt"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
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
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        scheme,
		Logger:                        o.Log,
		Metrics:                       metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress:        "0",
		LeaderElection:                true,
		LeaderElectionID:              LeaderElectionID,
		LeaderElectionNamespace:       OperatorNamespace,
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
	r := &EdgeSiteReconciler{
		Client:   mgr.GetClient(),
		Scheme:   scheme,
		Hub:      o.Hub,
		Recorder: mgr.GetEventRecorder(ManagedBy),
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return nil, nil, fmt.Errorf("set up edgesite controller: %w", err)
	}
	return mgr, r, nil
}
