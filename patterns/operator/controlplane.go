package operator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
	"github.com/patternlab/patternlab/patterns/operator/config"
)

// Environment variables that choose the control plane.
const (
	// EnvAssets names the directory with the kube-apiserver and etcd
	// binaries envtest starts; `make` builds them once and exports it.
	EnvAssets = "KUBEBUILDER_ASSETS"
	// EnvKubeconfig points the demo at an existing cluster instead.
	EnvKubeconfig = "KUBECONFIG"
)

// ErrNoControlPlane means neither an envtest binary directory nor a
// kubeconfig was given.
var ErrNoControlPlane = errors.New(EnvAssets + " is not set: run `make demo P=operator` " +
	"(it builds kube-apiserver and etcd once, about 11 minutes, then reuses them), or set " + EnvKubeconfig)

// StartTimeout bounds how long envtest waits for kube-apiserver and etcd to
// come up.
const StartTimeout = 3 * time.Minute

// OperatorUser is the identity the operator runs as on the embedded control
// plane, bound to nothing but the generated role.
const OperatorUser = "edgesite-operator"

// ControlPlaneOptions chooses the control plane.
type ControlPlaneOptions struct {
	// Kubeconfig names an existing cluster to use instead of envtest.
	Kubeconfig string
	// NoSchemaValidation installs the CRD with its spec's schema replaced by
	// "anything goes" (no patterns, bounds or CEL rules): the demo's switch
	// for the schema's safeguard. Only on envtest: a cluster's CRD is shared.
	NoSchemaValidation bool
}

// ControlPlane is the Kubernetes API the demo and the tests talk to: a
// kube-apiserver and etcd started by envtest (the default), or an existing
// cluster named by a kubeconfig. Either way the EdgeSite CRD is there.
//
// On an existing cluster it is a guest: names it creates carry a suffix
// unique to the run (Unique), it never changes what it did not create (an
// EdgeSite CRD already installed is used as it is), and Stop deletes what it
// created.
type ControlPlane struct {
	// Admin can do anything: it plays the user and the attacker.
	Admin *rest.Config
	// Embedded is true when envtest started the control plane, which runs
	// no controllers: no garbage collector, no Deployment controller.
	Embedded bool
	// CRDInstalled is true when this control plane installed the CRD (always
	// on envtest; on a cluster only if it was missing).
	CRDInstalled bool

	env    *envtest.Environment
	admin  client.Client
	suffix string

	mu         sync.Mutex
	namespaces []string // created on an existing cluster, deleted by Stop
}

// StartControlPlane starts envtest with the EdgeSite CRD or, given a
// kubeconfig, connects to that cluster and installs the CRD if it is missing.
func StartControlPlane(o ControlPlaneOptions) (*ControlPlane, error) {
	crds, err := config.CRDs()
	if err != nil {
		return nil, fmt.Errorf("load CRDs: %w", err)
	}
	if o.Kubeconfig != "" {
		if o.NoSchemaValidation {
			return nil, errors.New("a schema without validation needs envtest: the cluster's CRD is shared")
		}
		return connectCluster(o.Kubeconfig, crds)
	}
	if os.Getenv(EnvAssets) == "" {
		return nil, ErrNoControlPlane
	}
	if o.NoSchemaValidation {
		for _, crd := range crds {
			withoutValidation(crd)
		}
	}
	env := &envtest.Environment{CRDs: crds, Scheme: NewScheme(), BinaryAssetsDirectory: os.Getenv(EnvAssets),
		// envtest's default (20s for kube-apiserver to answer, then it
		// starts over, five times) is too short for a loaded 2-core machine,
		// where the API server's first start was seen to take longer.
		ControlPlaneStartTimeout: StartTimeout, ControlPlaneStopTimeout: time.Minute}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	cp := &ControlPlane{Admin: cfg, Embedded: true, CRDInstalled: true, env: env}
	if cp.admin, err = client.New(cfg, client.Options{Scheme: NewScheme()}); err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("admin client: %w", err)
	}
	return cp, nil
}

func connectCluster(kubeconfig string, crds []*apiextensionsv1.CustomResourceDefinition) (*ControlPlane, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", kubeconfig, err)
	}
	scheme := NewScheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	admin, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", cfg.Host, err)
	}
	cp := &ControlPlane{Admin: cfg, admin: admin, suffix: utilrand.String(5)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, crd := range crds {
		err := admin.Get(ctx, client.ObjectKeyFromObject(crd), &apiextensionsv1.CustomResourceDefinition{})
		switch {
		case err == nil:
			continue // someone else's: used as it is, never updated
		case !apierrors.IsNotFound(err):
			return nil, fmt.Errorf("look up CRD %s: %w", crd.Name, err)
		}
		if err := admin.Create(ctx, crd); err != nil {
			return nil, fmt.Errorf("install CRD %s: %w", crd.Name, err)
		}
		cp.CRDInstalled = true
	}
	if err := envtest.WaitForCRDs(cfg, crds, envtest.CRDInstallOptions{MaxTime: time.Minute}); err != nil {
		return nil, fmt.Errorf("CRDs not served: %w", err)
	}
	return cp, nil
}

// withoutValidation replaces the spec's schema of every version with one
// that accepts anything.
func withoutValidation(crd *apiextensionsv1.CustomResourceDefinition) {
	for i := range crd.Spec.Versions {
		s := crd.Spec.Versions[i].Schema
		if s == nil || s.OpenAPIV3Schema == nil {
			continue
		}
		spec := s.OpenAPIV3Schema.Properties["spec"]
		spec = apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr.To(true), Description: spec.Description}
		s.OpenAPIV3Schema.Properties["spec"] = spec
	}
}

// Unique names a namespace so that it cannot collide with anything on a
// shared cluster: base itself on envtest, base-<run id> on a cluster.
func (cp *ControlPlane) Unique(base string) string {
	if cp.Embedded {
		return base
	}
	return base + "-" + cp.suffix
}

// Describe says in one line which control plane this is.
func (cp *ControlPlane) Describe() string {
	if cp.Embedded {
		return "envtest started kube-apiserver and etcd as child processes (set " + EnvKubeconfig + " to use a real cluster)"
	}
	return fmt.Sprintf("the cluster from %s at %s: namespaces named *-%s are created for this run and deleted on exit", EnvKubeconfig, cp.Admin.Host, cp.suffix)
}

// EnsureNamespace creates a namespace unless it exists; on a cluster, Stop
// deletes the namespaces it created.
func (cp *ControlPlane) EnsureNamespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	err := cp.admin.Create(ctx, ns)
	switch {
	case apierrors.IsAlreadyExists(err):
		return nil
	case err != nil:
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	if !cp.Embedded {
		cp.mu.Lock()
		cp.namespaces = append(cp.namespaces, name)
		cp.mu.Unlock()
	}
	return nil
}

// Stop stops envtest; on a cluster it deletes what this control plane
// created: the EdgeSites left in its namespaces (their finalizers removed,
// the operator being gone), the namespaces, and the CRD if it installed it
// and no EdgeSite is left anywhere.
func (cp *ControlPlane) Stop() error {
	if cp.Embedded {
		if err := cp.env.Stop(); err != nil {
			return fmt.Errorf("stop control plane: %w", err)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cp.mu.Lock()
	namespaces := slices.Clone(cp.namespaces)
	cp.mu.Unlock()
	var errs []error
	for _, ns := range namespaces {
		errs = append(errs, releaseEdgeSites(ctx, cp.admin, ns))
		err := cp.admin.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete namespace %s: %w", ns, err))
		}
	}
	if cp.CRDInstalled {
		errs = append(errs, cp.uninstallCRDs(ctx, namespaces))
	}
	return errors.Join(errs...)
}

// releaseEdgeSites removes the finalizers of the EdgeSites in namespace, so
// that deleting the namespace does not wait for an operator that is gone.
func releaseEdgeSites(ctx context.Context, c client.Client, namespace string) error {
	var list edgev1.EdgeSiteList
	if err := c.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return fmt.Errorf("list EdgeSites in %s: %w", namespace, err)
	}
	for i := range list.Items {
		site := &list.Items[i]
		if len(site.Finalizers) == 0 {
			continue
		}
		patch := client.MergeFrom(site.DeepCopy())
		site.Finalizers = nil
		if err := c.Patch(ctx, site, patch); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("release EdgeSite %s/%s: %w", namespace, site.Name, err)
		}
	}
	return nil
}

func (cp *ControlPlane) uninstallCRDs(ctx context.Context, ours []string) error {
	var left edgev1.EdgeSiteList
	if err := cp.admin.List(ctx, &left); err != nil {
		return fmt.Errorf("list EdgeSites: %w", err)
	}
	for _, s := range left.Items {
		if !slices.Contains(ours, s.Namespace) {
			return nil // someone else's EdgeSites use the CRD now: it stays
		}
	}
	crds, err := config.CRDs()
	if err != nil {
		return err
	}
	for _, crd := range crds {
		if err := cp.admin.Delete(ctx, crd); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("uninstall CRD %s: %w", crd.Name, err)
		}
	}
	return nil
}

// Version is the API server's version, e.g. "v1.37.2".
func (cp *ControlPlane) Version() (string, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cp.Admin)
	if err != nil {
		return "", fmt.Errorf("discovery client: %w", err)
	}
	v, err := dc.ServerVersion()
	if err != nil {
		return "", fmt.Errorf("server version: %w", err)
	}
	return v.GitVersion, nil
}

// LeaseNamespace is where the operator's leader-election lease lives:
// OperatorNamespace on envtest, a namespace of this run's own on a cluster
// (so the demo's manager never competes with an operator deployed there).
func (cp *ControlPlane) LeaseNamespace() string { return cp.Unique(OperatorNamespace) }

// OperatorConfig is the identity the operator runs as, with its lease
// namespace created. On the embedded control plane it is the user
// OperatorUser, bound to exactly the generated role in config/rbac, so every
// run proves the role is enough; on a cluster it is the kubeconfig's own.
func (cp *ControlPlane) OperatorConfig(ctx context.Context) (*rest.Config, error) {
	if err := cp.EnsureNamespace(ctx, cp.LeaseNamespace()); err != nil {
		return nil, err
	}
	if !cp.Embedded {
		return cp.Admin, nil
	}
	if err := BindOperatorRole(ctx, cp.admin, OperatorUser); err != nil {
		return nil, err
	}
	u, err := cp.env.AddUser(envtest.User{Name: OperatorUser}, cp.Admin)
	if err != nil {
		return nil, fmt.Errorf("add user %s: %w", OperatorUser, err)
	}
	return u.Config(), nil
}

// BindOperatorRole creates the generated roles and binds them to user.
func BindOperatorRole(ctx context.Context, c client.Client, user string) error {
	role, err := config.RBAC()
	if err != nil {
		return fmt.Errorf("load RBAC: %w", err)
	}
	subject := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}
	objs := []client.Object{role.Cluster, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Cluster.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Cluster.Name},
		Subjects:   subject,
	}}
	for _, r := range role.Namespaced {
		if err := ensureNamespace(ctx, c, r.Namespace); err != nil {
			return err
		}
		objs = append(objs, r, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: r.Name, Namespace: r.Namespace},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: r.Name},
			Subjects:   subject,
		})
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create %T %s: %w", o, o.GetName(), err)
		}
	}
	return nil
}

func ensureNamespace(ctx context.Context, c client.Client, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := c.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}
