// Package config holds the manifests controller-gen generates from the
// kubebuilder markers: the EdgeSite CRD (crd/) and the operator's RBAC role
// (rbac/). They are committed, embedded here for the demo and the tests, and
// checked against a fresh generation by the module's tests.
package config

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"

	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

//go:embed crd/*.yaml rbac/*.yaml
var manifests embed.FS

// CRDs returns the generated CustomResourceDefinitions.
func CRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	var crds []*apiextensionsv1.CustomResourceDefinition
	err := eachDocument("crd", func(path string, doc []byte) error {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(doc, crd); err != nil {
			return fmt.Errorf("decode CRD in %s: %w", path, err)
		}
		crds = append(crds, crd)
		return nil
	})
	return crds, err
}

// Role is the operator's generated RBAC: a ClusterRole for the resources it
// manages and a Role in its own namespace for the leader-election lease.
type Role struct {
	Cluster    *rbacv1.ClusterRole
	Namespaced []*rbacv1.Role
}

// RBAC returns the generated role.
func RBAC() (Role, error) {
	var r Role
	err := eachDocument("rbac", func(path string, doc []byte) error {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return fmt.Errorf("decode %s: %w", path, err)
		}
		switch meta.Kind {
		case "ClusterRole":
			r.Cluster = &rbacv1.ClusterRole{}
			return yaml.UnmarshalStrict(doc, r.Cluster)
		case "Role":
			role := &rbacv1.Role{}
			r.Namespaced = append(r.Namespaced, role)
			return yaml.UnmarshalStrict(doc, role)
		}
		return fmt.Errorf("%s: unexpected kind %q", path, meta.Kind)
	})
	if err == nil && r.Cluster == nil {
		err = fmt.Errorf("rbac: no ClusterRole generated")
	}
	return r, err
}

func eachDocument(dir string, fn func(path string, doc []byte) error) error {
	return fs.WalkDir(manifests, dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := manifests.ReadFile(path)
		if err != nil {
			return err
		}
		for _, doc := range bytes.Split(data, []byte("\n---\n")) {
			if len(bytes.TrimSpace(bytes.TrimPrefix(doc, []byte("---")))) == 0 {
				continue
			}
			if err := fn(path, doc); err != nil {
				return err
			}
		}
		return nil
	})
}
