package manufacturing

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/patternlab/patternlab/industries/manufacturing/plant"
	"github.com/patternlab/patternlab/patterns/operator"
	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// Declared is the plants' gateways as Kubernetes resources: one EdgeSite
// per plant on envtest's control plane, converged by patterns/operator
// (ConfigMap with the rendered gateway configuration, Deployment, Service,
// and the plant's registration in the hub's registry).
type Declared struct {
	cp    *operator.ControlPlane
	op    *operator.Operator
	admin client.Client
	hub   *operator.KVHub
	Keys  []client.ObjectKey
	Ready []time.Duration // how long each took to be Ready, as the API server reports it
}

// DeclareSites starts the control plane (envtest: KUBEBUILDER_ASSETS) and
// the operator, whose hub registry lives on the hub's JetStream hubJS, and
// applies one EdgeSite per plant of floor, describing its running gateway:
// the hub's leafnode address, the subjects it forwards and its buffer.
// It waits until each is Ready within, then asks operator.Drift, the
// operator module's judge, whether the cluster and the hub match.
func DeclareSites(ctx context.Context, floor plant.Floor, hubJS jetstream.JetStream, leafAddr string, bufferBytes string, within time.Duration) (_ *Declared, err error) {
	operator.SetLoggers(io.Discard) // controller-runtime and klog stay quiet; the narration says what happened
	d := &Declared{}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if d.cp, err = operator.StartControlPlane(operator.ControlPlaneOptions{}); err != nil {
		return nil, err
	}
	if d.hub, err = operator.NewKVHub(ctx, hubJS); err != nil {
		return nil, err
	}
	opCfg, err := d.cp.OperatorConfig(ctx)
	if err != nil {
		return nil, err
	}
	ns := d.cp.Unique("plants")
	if d.op, err = operator.StartOperator(ctx, opCfg, operator.ManagerOptions{Hub: d.hub, LeaseNamespace: d.cp.LeaseNamespace(), Namespaces: []string{ns}}); err != nil {
		return nil, err
	}
	if d.admin, err = client.New(d.cp.Admin, client.Options{Scheme: operator.NewScheme()}); err != nil {
		return nil, err
	}
	if err = d.cp.EnsureNamespace(ctx, ns); err != nil {
		return nil, err
	}
	for _, p := range floor.Plants {
		site := operator.NewEdgeSite(ns, p.ID, p.ID)
		site.Spec.Hub = edgev1.HubSpec{URL: "nats-leaf://" + leafAddr, Account: site.Spec.Hub.Account}
		site.Spec.Subjects = []string{"telemetry.>", "events.>", "dlq.>"}
		site.Spec.Retention.MaxBytes = bufferBytes
		if err = d.admin.Create(ctx, site); err != nil {
			return nil, fmt.Errorf("apply EdgeSite %s: %w", p.ID, err)
		}
		d.Keys = append(d.Keys, client.ObjectKeyFromObject(site))
	}
	for _, key := range d.Keys {
		took, err := operator.WaitReady(ctx, d.admin, key, within)
		if err != nil {
			return nil, err
		}
		d.Ready = append(d.Ready, took)
	}
	return d, nil
}

// Drift is what differs, per EdgeSite, between its spec and the cluster
// and the hub (operator.Drift); empty when converged.
func (d *Declared) Drift(ctx context.Context) ([]string, error) {
	var out []string
	for _, key := range d.Keys {
		drift, err := operator.Drift(ctx, d.admin, d.hub, key)
		if err != nil {
			return nil, err
		}
		for _, x := range drift {
			out = append(out, key.Name+": "+x)
		}
	}
	return out, nil
}

// Close stops the operator and the control plane.
func (d *Declared) Close() {
	if d.op != nil {
		_ = d.op.Stop()
	}
	if d.cp != nil {
		_ = d.cp.Stop()
	}
}
