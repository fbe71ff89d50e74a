package operator

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/patternlab/patternlab/patterns/operator/config"
)

// TestManifestsAreFresh regenerates the deep copies, the CRD and the RBAC
// role with the pinned controller-gen (the tool directive in go.mod) into a
// temporary directory and fails if the committed files differ: change a type
// or a marker, run `go generate ./patterns/operator`, commit the result.
func TestManifestsAreFresh(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not on PATH")
	}
	out := t.TempDir()
	cmd := exec.Command("go", "tool", "controller-gen",
		"crd", "rbac:roleName=edgesite-operator", "paths=./api/...;.",
		"output:crd:artifacts:config="+filepath.Join(out, "crd"),
		"output:rbac:artifacts:config="+filepath.Join(out, "rbac"))
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "controller-gen: %s", msg)
	cmd = exec.Command("go", "tool", "controller-gen", "object", "paths=./api/...",
		"output:object:dir="+filepath.Join(out, "object"))
	msg, err = cmd.CombinedOutput()
	require.NoError(t, err, "controller-gen: %s", msg)
	want, err := os.ReadFile(filepath.Join(out, "object", "zz_generated.deepcopy.go"))
	require.NoError(t, err)
	have, err := os.ReadFile(filepath.Join("api", "v1alpha1", "zz_generated.deepcopy.go"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(have), "api/v1alpha1/zz_generated.deepcopy.go is stale: run go generate ./patterns/operator")

	for _, dir := range []string{"crd", "rbac"} {
		fresh, err := os.ReadDir(filepath.Join(out, dir))
		require.NoError(t, err)
		committed, err := os.ReadDir(filepath.Join("config", dir))
		require.NoError(t, err)
		assert.Equal(t, yamlNames(fresh), yamlNames(committed), "files in config/%s", dir)
		for _, name := range yamlNames(fresh) {
			want, err := os.ReadFile(filepath.Join(out, dir, name))
			require.NoError(t, err)
			have, err := os.ReadFile(filepath.Join("config", dir, name))
			require.NoError(t, err)
			assert.Equalf(t, string(want), string(have), "config/%s/%s is stale: run go generate ./patterns/operator", dir, name)
		}
	}
}

func yamlNames(entries []os.DirEntry) []string {
	var names []string
	for _, e := range entries {
		if filepath.Ext(e.Name()) == ".yaml" {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names
}

// TestRoleIsLeastPrivilege checks properties of the generated role that the
// markers must keep: no wildcards, no secrets, no deleting (the garbage
// collector deletes children), and the lease only in the operator's namespace.
func TestRoleIsLeastPrivilege(t *testing.T) {
	role, err := config.RBAC()
	require.NoError(t, err)
	for _, r := range role.Cluster.Rules {
		for _, v := range r.Verbs {
			assert.NotEqual(t, "*", v)
			assert.NotEqual(t, "delete", v, "%v: the operator deletes nothing; owner references do", r.Resources)
			assert.NotEqual(t, "deletecollection", v)
		}
		for _, res := range r.Resources {
			assert.NotEqual(t, "*", res)
			assert.NotEqual(t, "secrets", res)
			assert.NotEqual(t, "leases", res, "leases only in the operator's namespace")
		}
		assert.NotContains(t, r.APIGroups, "*")
	}
	require.Len(t, role.Namespaced, 1)
	assert.Equal(t, OperatorNamespace, role.Namespaced[0].Namespace)
}

// TestCRDsLoad: the embedded CRD decodes and carries the validation rules
// the demo's invalid specs run into.
func TestCRDsLoad(t *testing.T) {
	crds, err := config.CRDs()
	require.NoError(t, err)
	require.Len(t, crds, 1)
	crd := crds[0]
	assert.Equal(t, "edgesites.edge.patternlab.dev", crd.Name)
	spec := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
	assert.Equal(t, "self == oldSelf", spec.Properties["plant"].XValidations[0].Rule)
	assert.NotNil(t, crd.Spec.Versions[0].Subresources.Status, "status subresource")
}
