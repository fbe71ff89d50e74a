// Package v1alpha1 holds the EdgeSite API: a plant's NATS gateway declared as
// a Kubernetes resource.
//
// +kubebuilder:object:generate=true
// +groupName=edge.patternlab.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of EdgeSite.
	GroupVersion = schema.GroupVersion{Group: "edge.patternlab.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this package with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this group-version to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
