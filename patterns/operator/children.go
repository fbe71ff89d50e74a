package operator

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// The gateway every EdgeSite runs.
const (
	GatewayImage  = "nats:2.15.2-alpine"
	ClientPort    = 4222
	MonitorPort   = 8222
	ConfigMount   = "/etc/nats"
	DataMountPath = "/data/jetstream"

	// ConfigHashAnnotation on the pod template carries GatewayConfig.Hash:
	// a new configuration changes the template, and the Deployment rolls.
	ConfigHashAnnotation = "edge.patternlab.dev/config-hash"
	// ManagedBy is the app.kubernetes.io/managed-by label of every child.
	ManagedBy = "edgesite-operator"
)

// child is one object an EdgeSite owns, and how to shape it.
type child struct {
	kind  string
	obj   client.Object           // carries only the name and namespace until read
	shape func(obj client.Object) // sets the fields the operator owns
}

// childrenOf lists the children of site: a ConfigMap with the gateway's
// configuration, the Deployment that runs it, and the Service in front.
func childrenOf(site *edgev1.EdgeSite, cfg GatewayConfig) []child {
	meta := func() metav1.ObjectMeta { return metav1.ObjectMeta{Name: ChildName(site), Namespace: site.Namespace} }
	return []child{
		{"ConfigMap", &corev1.ConfigMap{ObjectMeta: meta()}, func(o client.Object) { shapeConfigMap(site, cfg, o.(*corev1.ConfigMap)) }},
		{"Deployment", &appsv1.Deployment{ObjectMeta: meta()}, func(o client.Object) { shapeDeployment(site, cfg, o.(*appsv1.Deployment)) }},
		{"Service", &corev1.Service{ObjectMeta: meta()}, func(o client.Object) { shapeService(site, o.(*corev1.Service)) }},
	}
}

// ChildName is the name of all three children of an EdgeSite: the
// ConfigMap, the Deployment and the Service are "<site>-gateway".
func ChildName(site *edgev1.EdgeSite) string { return site.Name + "-gateway" }

func selectorLabels(site *edgev1.EdgeSite) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":     "nats-gateway",
		"app.kubernetes.io/instance": site.Name,
	}
}

func childLabels(site *edgev1.EdgeSite) map[string]string {
	l := selectorLabels(site)
	l["app.kubernetes.io/managed-by"] = ManagedBy
	l["edge.patternlab.dev/plant"] = site.Spec.Plant
	return l
}

// The functions below are the desired state: each sets, on an existing or
// empty object, exactly the fields the operator owns, and leaves the rest
// (fields the API server defaults, a sidecar someone added) alone. Values the
// API server would default inside owned fields are set explicitly, so a
// converged object compares equal and reconcile writes nothing.

// shapeConfigMap makes cm hold the rendered gateway configuration.
func shapeConfigMap(site *edgev1.EdgeSite, cfg GatewayConfig, cm *corev1.ConfigMap) {
	cm.Labels = mergeLabels(cm.Labels, childLabels(site))
	cm.Data = map[string]string{ServerConfKey: cfg.ServerConf, StreamKey: cfg.Stream}
}

// shapeDeployment makes dep run one gateway pod (none when suspended) with
// the configuration whose hash is cfg.Hash.
func shapeDeployment(site *edgev1.EdgeSite, cfg GatewayConfig, dep *appsv1.Deployment) {
	replicas := int32(1)
	if site.Spec.Suspended {
		replicas = 0
	}
	dep.Labels = mergeLabels(dep.Labels, childLabels(site))
	dep.Spec.Replicas = &replicas
	if dep.Spec.Selector == nil { // immutable once created
		dep.Spec.Selector = &metav1.LabelSelector{MatchLabels: selectorLabels(site)}
	}
	// One stateful gateway per plant: never two writing the same store.
	dep.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	tpl := &dep.Spec.Template
	tpl.Labels = mergeLabels(tpl.Labels, childLabels(site))
	if tpl.Annotations == nil {
		tpl.Annotations = map[string]string{}
	}
	tpl.Annotations[ConfigHashAnnotation] = cfg.Hash

	c := containerNamed(&tpl.Spec, "nats")
	c.Image = GatewayImage
	c.ImagePullPolicy = corev1.PullIfNotPresent
	c.Args = []string{"--config", ConfigMount + "/" + ServerConfKey}
	c.Ports = []corev1.ContainerPort{
		{Name: "client", ContainerPort: ClientPort, Protocol: corev1.ProtocolTCP},
		{Name: "monitor", ContainerPort: MonitorPort, Protocol: corev1.ProtocolTCP},
	}
	c.VolumeMounts = []corev1.VolumeMount{
		{Name: "config", MountPath: ConfigMount, ReadOnly: true},
		{Name: "data", MountPath: DataMountPath},
	}
	c.ReadinessProbe = &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: "/healthz?js-enabled-only=true", Port: intstr.FromString("monitor"), Scheme: corev1.URISchemeHTTP,
		}},
		TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3,
	}
	setVolume(&tpl.Spec, corev1.Volume{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: ChildName(site)},
		DefaultMode:          ptr.To[int32](0o644),
	}}})
	// A real plant mounts a PersistentVolumeClaim here; emptyDir keeps the
	// demo free of storage classes.
	setVolume(&tpl.Spec, corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
}

// shapeService makes svc expose the gateway's client and monitoring ports.
func shapeService(site *edgev1.EdgeSite, svc *corev1.Service) {
	svc.Labels = mergeLabels(svc.Labels, childLabels(site))
	svc.Spec.Type = corev1.ServiceTypeClusterIP
	svc.Spec.Selector = selectorLabels(site)
	svc.Spec.Ports = []corev1.ServicePort{
		{Name: "client", Port: ClientPort, TargetPort: intstr.FromString("client"), Protocol: corev1.ProtocolTCP},
		{Name: "monitor", Port: MonitorPort, TargetPort: intstr.FromString("monitor"), Protocol: corev1.ProtocolTCP},
	}
}

func mergeLabels(have, want map[string]string) map[string]string {
	if have == nil {
		have = make(map[string]string, len(want))
	}
	for k, v := range want {
		have[k] = v
	}
	return have
}

func containerNamed(spec *corev1.PodSpec, name string) *corev1.Container {
	for i := range spec.Containers {
		if spec.Containers[i].Name == name {
			return &spec.Containers[i]
		}
	}
	spec.Containers = append(spec.Containers, corev1.Container{
		Name:                     name,
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
	})
	return &spec.Containers[len(spec.Containers)-1]
}

func setVolume(spec *corev1.PodSpec, v corev1.Volume) {
	for i := range spec.Volumes {
		if spec.Volumes[i].Name == v.Name {
			spec.Volumes[i] = v
			return
		}
	}
	spec.Volumes = append(spec.Volumes, v)
}
