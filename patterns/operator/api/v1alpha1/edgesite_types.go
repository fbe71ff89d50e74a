package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// EdgeSiteSpec is what a plant's gateway should be: where its leafnode
// connects, which subjects it buffers and forwards, and how much it keeps
// while the hub is unreachable.
type EdgeSiteSpec struct {
	// Plant names the site. It becomes the gateway's server_name and the key
	// under which the hub knows the plant, so it cannot change.
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9-]*[a-z0-9]$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="plant is immutable: create a new EdgeSite to move a gateway"
	Plant string `json:"plant"`

	// Hub is the central NATS system the gateway joins as a leafnode.
	Hub HubSpec `json:"hub"`

	// Subjects the plant publishes that the gateway stores and forwards to
	// the hub, e.g. "telemetry.>".
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=64
	// +kubebuilder:validation:items:Pattern=`^[a-zA-Z0-9_-]+(\.([a-zA-Z0-9_-]+|\*))*(\.>)?$`
	// +listType=set
	Subjects []string `json:"subjects"`

	// Retention bounds what the gateway keeps while the hub is unreachable.
	Retention RetentionSpec `json:"retention"`

	// Suspended scales the gateway to zero without deleting its state.
	// +optional
	Suspended bool `json:"suspended,omitempty"`
}

// HubSpec says where the gateway's leafnode connects.
type HubSpec struct {
	// URL of the hub's leafnode listener.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^(nats-leaf|tls)://[a-z0-9.-]+:[0-9]{1,5}$`
	URL string `json:"url"`

	// Account on the hub the plant's messages land in.
	// +kubebuilder:default=PLANTS
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Z][A-Z0-9_]*$`
	// +optional
	Account string `json:"account,omitempty"`
}

// RetentionSpec bounds the gateway's store-and-forward buffer. The patterns
// are checked by the OpenAPI schema; the ranges by CEL rules, which guard
// against values the pattern already refused so that one bad value gets one
// message.
type RetentionSpec struct {
	// MaxAge is how long an unforwarded message is kept, in minutes or
	// hours: "90m", "24h".
	// +kubebuilder:validation:MaxLength=8
	// +kubebuilder:validation:Pattern=`^[0-9]+(m|h)$`
	// +kubebuilder:validation:XValidation:rule="!self.matches('^[0-9]+(m|h)$') || (duration(self) >= duration('1m') && duration(self) <= duration('720h'))",message="must be between 1m and 720h (30 days)"
	MaxAge string `json:"maxAge"`

	// MaxBytes bounds the buffer on disk, as a binary quantity: "512Mi", "2Gi".
	// +kubebuilder:validation:MaxLength=8
	// +kubebuilder:validation:Pattern=`^[0-9]+(Mi|Gi)$`
	// +kubebuilder:validation:XValidation:rule="!isQuantity(self) || (quantity(self).compareTo(quantity('1Mi')) >= 0 && quantity(self).compareTo(quantity('64Gi')) <= 0)",message="must be between 1Mi and 64Gi"
	MaxBytes string `json:"maxBytes"`
}

// Condition types of an EdgeSite.
const (
	// ConditionReady is True when the gateway's children match the spec.
	ConditionReady = "Ready"
	// ConditionHubRegistered is True when the hub's registry lists the plant
	// with the current spec.
	ConditionHubRegistered = "HubRegistered"
)

// EdgeSiteStatus is what the operator last observed and did.
type EdgeSiteStatus struct {
	// ObservedGeneration is the spec generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready and HubRegistered.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ConfigHash identifies the rendered gateway configuration the Deployment
	// runs; a new hash rolls the gateway.
	// +optional
	ConfigHash string `json:"configHash,omitempty"`
}

// EdgeSite is a plant's NATS gateway: a leafnode to the hub that stores and
// forwards the plant's subjects within bounded retention.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=es,categories=edge
// +kubebuilder:printcolumn:name="Plant",type=string,JSONPath=`.spec.plant`
// +kubebuilder:printcolumn:name="Hub",type=string,JSONPath=`.spec.hub.url`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type EdgeSite struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec   EdgeSiteSpec   `json:"spec"`
	Status EdgeSiteStatus `json:"status,omitempty"`
}

// EdgeSiteList is a list of EdgeSites.
// +kubebuilder:object:root=true
type EdgeSiteList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []EdgeSite `json:"items"`
}
