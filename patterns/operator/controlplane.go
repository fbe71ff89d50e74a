package operator

import (
	"context"
	"errors"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/patternlab/patternlab/patterns/operator/config"
)

// Environment variables that choose the control plane.
const (
	// EnvAssets names the directory with the kube-apiserver and etcd
	// binaries envtest starts; `make` builds them once and exports it.
	EnvAssets = "KUBEBUILDER_ASSETS"
	// EnvKubeconfig points the demo (cmd/demo) at an existing cluster instead.
	EnvKubeconfig = "KUBECONFIG"
)

// ErrNoControlPlane means neither an envtest binary directory nor a
// kubeconfig was given.
var ErrNoControlPlane = errors.New(EnvAssets + " is not set: run `make demo P=operator` " +
	"(it builds kube-apiserver and etcd once, about 11 minutes, then reuses them), or set " + EnvKubeconfig)

// OperatorUser is the identity the operator runs as on the embedded control
// plane, bound to nothing but the generated role.
const OperatorUser = "edgesite-operator"

// ControlPlane is the Kubernetes API the demo and the integration tests talk
// to: a kube-apiserver and etcd started by envtest (the default), or an
// existing cluster named by a kubeconfig. Either way the EdgeSite CRD is installed.
type ControlPlane struct {
	// Admin can do anything: it plays the user and the attacker.
	Admin *rest.Config
	// Embedded is true when envtest started the control plane, which runs
	// no controllers: no garbage collector, no Deployment controller.
	Embedded bool

	env *envtest.Environment
}

// StartControlPlane starts envtest with the EdgeSite CRD or, given a
// kubeconfig path, installs the CRD into that cluster instead.
func StartControlPlane(kubeconfig string) (*ControlPlane, error) {
	crds, err := config.CRDs()
	if err != nil {
		return nil, fmt.Errorf("load CRDs: %w", err)
	}
	env := &envtest.Environment{CRDs: crds, Scheme: NewScheme()}
	existing := kubeconfig != ""
	switch {
	case existing:
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("load kubeconfig %s: %w", kubeconfig, err)
		}
		env.UseExistingCluster, env.Config = ptr.To(true), cfg
	case os.Getenv(EnvAssets) == "":
		return nil, ErrNoControlPlane
	default:
		env.BinaryAssetsDirectory = os.Getenv(EnvAssets)
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	return &ControlPlane{Admin: cfg, Embedded: !existing, env: env}, nil
}

// Stop stops the embedded control plane; on an existing cluster it leaves
// the CRD installed.
func (cp *ControlPlane) Stop() error {
	if err := cp.env.Stop(); err != nil {
		return fmt.Errorf("stop control plane: %w", err)
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

// OperatorConfig is the identity the operator runs as. On the embedded control
// plane it is the user OperatorUser, bound to exactly the generated role in
// config/rbac, so every run proves the role is enough; on an existing cluster
// it is the kubeconfig's own identity.
func (cp *ControlPlane) OperatorConfig(ctx context.Context) (*rest.Config, error) {
	admin, err := client.New(cp.Admin, client.Options{Scheme: NewScheme()})
	if err != nil {
		return nil, fmt.Errorf("admin client: %w", err)
	}
	if err := ensureNamespace(ctx, admin, OperatorNamespace); err != nil {
		return nil, err
	}
	if !cp.Embedded {
		return cp.Admin, nil
	}
	if err := BindOperatorRole(ctx, admin, OperatorUser); err != nil {
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
