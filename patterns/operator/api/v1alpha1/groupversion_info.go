// Package v1alpha1 holds the EdgeSite API: a plant's NATS gateway declared as
// a Kubernetes resource. It depends only on k8s.io/apimachinery, so clients
// can import it without the operator.
//
// +kubebuilder:object:generate=true
// +groupName=edge.patternlab.dev
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the API group and version of EdgeSite.
	GroupVersion = schema.GroupVersion{Group: "edge.patternlab.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this package with a runtime.Scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this group-version to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &EdgeSite{}, &EdgeSiteList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
