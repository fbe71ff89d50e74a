package operator

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// NewEdgeSite is the EdgeSite a plant engineer would apply for plant: a
// gateway that forwards telemetry and alarms to the factory hub and keeps a
// day of them (at most 1Gi) while the hub is unreachable.
func NewEdgeSite(namespace, name, plant string) *edgev1.EdgeSite {
	return &edgev1.EdgeSite{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: edgev1.EdgeSiteSpec{
			Plant:     plant,
			Hub:       edgev1.HubSpec{URL: "nats-leaf://hub.factory.example:7422", Account: "PLANTS"},
			Subjects:  []string{"telemetry.>", "alarms.>"},
			Retention: edgev1.RetentionSpec{MaxAge: "24h", MaxBytes: "1Gi"},
		},
	}
}
