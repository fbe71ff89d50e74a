package operator

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// show narrates the children, the status and the hub registration, read
// from the API server and the hub.
func (d *demo) show(ctx context.Context) error {
	site, err := d.site(ctx)
	if err != nil {
		return err
	}
	key := client.ObjectKey{Namespace: d.key.Namespace, Name: ChildName(site)}
	cm, dep, svc := &corev1.ConfigMap{}, &appsv1.Deployment{}, &corev1.Service{}
	for _, o := range []client.Object{cm, dep, svc} {
		if err := d.admin.Get(ctx, key, o); err != nil {
			return fmt.Errorf("get child %s: %w", key, err)
		}
	}
	var stream jetstream.StreamConfig
	if err := json.Unmarshal([]byte(cm.Data[StreamKey]), &stream); err != nil {
		return fmt.Errorf("decode %s: %w", StreamKey, err)
	}
	d.n.Step("cluster", "ConfigMap %s: %s (leafnode remote %s), %s (stream %s, max age %s)",
		key.Name, ServerConfKey, leafnodeURL(cm), StreamKey, stream.Name, stream.MaxAge)
	d.n.Step("cluster", "Deployment %s: %d replica of %s, pod template config-hash %s, %s",
		key.Name, *dep.Spec.Replicas, dep.Spec.Template.Spec.Containers[0].Image,
		dep.Spec.Template.Annotations[ConfigHashAnnotation], ownerOf(dep))
	var ports []string
	for _, p := range svc.Spec.Ports {
		ports = append(ports, fmt.Sprintf("%s %d", p.Name, p.Port))
	}
	d.n.Step("cluster", "Service %s: %s, %s", key.Name, strings.Join(ports, ", "), ownerOf(svc))
	d.n.Step("status", "generation %d, observedGeneration %d, %s, %s", site.Generation, site.Status.ObservedGeneration,
		condition(site, edgev1.ConditionReady), condition(site, edgev1.ConditionHubRegistered))
	return d.showHub(ctx, site)
}

func (d *demo) showHub(ctx context.Context, site *edgev1.EdgeSite) error {
	release, err := d.lab.useHub(ctx)
	if err != nil {
		return err
	}
	defer release()
	reg, err := d.h.judge.Lookup(ctx, site.Spec.Plant)
	if err != nil {
		return err
	}
	d.n.Step("hub", "%s registered by %s: account %s, subjects %s, retention %s / %s",
		reg.Plant, reg.Site, reg.Account, strings.Join(reg.Subjects, " "), reg.MaxAge, reg.MaxBytes)
	return nil
}

var leafnodeRE = regexp.MustCompile(`url: "([^"]+)"`)

func leafnodeURL(cm *corev1.ConfigMap) string {
	if m := leafnodeRE.FindStringSubmatch(cm.Data[ServerConfKey]); m != nil {
		return m[1]
	}
	return "(none)"
}

func ownerOf(obj metav1.Object) string {
	if o := metav1.GetControllerOf(obj); o != nil {
		return "controlled by " + o.Kind + "/" + o.Name
	}
	return "no controller"
}

func condition(site *edgev1.EdgeSite, kind string) string {
	c := meta.FindStatusCondition(site.Status.Conditions, kind)
	if c == nil {
		return kind + "=Unknown"
	}
	return fmt.Sprintf("%s=%s (%s)", kind, c.Status, c.Reason)
}

// eventReasons lists the reasons of the events recorded on site, as the API
// server holds them.
func eventReasons(ctx context.Context, c client.Reader, site *edgev1.EdgeSite) ([]string, error) {
	var list eventsv1.EventList
	if err := c.List(ctx, &list, client.InNamespace(site.Namespace)); err != nil {
		return nil, err
	}
	var out []string
	for _, e := range list.Items {
		if e.Regarding.UID == site.UID {
			out = append(out, e.Reason)
		}
	}
	return out, nil
}
