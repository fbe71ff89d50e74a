package operator

// The API's deep-copy methods, the CRD and the RBAC role are generated from
// the kubebuilder markers in api/ and in this package. controller-gen is a
// tool dependency in go.mod (go get -tool), so its version is pinned like any
// other dependency. generate_test.go fails when the committed files are stale.
//
//go:generate go tool controller-gen object paths=./api/...
//go:generate go tool controller-gen crd rbac:roleName=edgesite-operator paths=./api/...;. output:crd:artifacts:config=config/crd output:rbac:artifacts:config=config/rbac
