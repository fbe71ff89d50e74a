package operator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The faults the demo offers on demand (the lab's fault buttons), from the
// moment the EdgeSite has converged until its deletion: each is done for
// real at the learner's moment, narrated as a FAULT line, and followed by a
// check of its own, judged like the scheduled attacks from the API server
// and the hub: the cluster and the hub converge to the spec within the
// bound. The scheduled attacks still run, and a requested fault may land in
// the middle of one (the operator must converge both).
const (
	// FaultDeleteChild deletes the gateway's Deployment (the scheduled
	// attack deletes its Service).
	FaultDeleteChild = "delete-child"
	// FaultEditChild points the gateway's ConfigMap at a rogue hub by hand.
	FaultEditChild = "edit-child"
	// FaultStopHub takes the hub's JetStream (the registry the operator
	// writes) down for LabHubDown, then brings it back on the same store.
	FaultStopHub = "stop-hub"
)

// LabHubDown is how long a requested hub stop keeps the registry away:
// long enough for the learner to delete or edit a child meanwhile and see
// the operator repair the cluster while the hub refuses it.
const LabHubDown = 3 * time.Second

// onDemand is the faults the learner asks for while the attacks run.
type onDemand struct {
	d *demo

	mu      sync.Mutex
	open    bool
	stopped bool // a requested stop holds the hub's JetStream down
	outaged bool // the hub-outage attack holds it down
	reading int  // acts reading the registry now: no requested stop meanwhile
	checks  sync.WaitGroup
	ctx     context.Context
	stop    context.CancelFunc
}

// offer opens the offers; the returned withdraw closes them and waits for
// the checks of the faults already injected.
func (d *demo) offer(ctx context.Context) (withdraw func()) {
	o := &onDemand{d: d, open: true}
	o.ctx, o.stop = context.WithCancel(ctx)
	d.lab = o
	d.n.Offer(FaultDeleteChild, "kubectl", "delete the gateway's Deployment now: the operator must create it again", o.deleteChild)
	d.n.Offer(FaultEditChild, "kubectl", "point the gateway's ConfigMap at "+rogueHub+" by hand now: the operator must set it back", o.editChild)
	if !d.h.target.External() {
		d.n.Offer(FaultStopHub, "hub", fmt.Sprintf("stop the hub's JetStream (the registry) for %s: the operator retries with backoff and converges once it is back", LabHubDown), o.stopHub)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			d.n.Withdraw(FaultDeleteChild)
			d.n.Withdraw(FaultEditChild)
			if !d.h.target.External() {
				d.n.Withdraw(FaultStopHub)
			}
			o.mu.Lock()
			o.open = false
			o.mu.Unlock()
			o.checks.Wait()
			o.stop()
		})
	}
}

// begin accepts a request while the offers are open, and counts its check.
func (o *onDemand) begin() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.open {
		return errors.New("too late: the EdgeSite is being deleted")
	}
	o.checks.Add(1)
	return nil
}

func (o *onDemand) childKey() client.ObjectKey {
	return client.ObjectKey{Namespace: o.d.key.Namespace, Name: o.d.key.Name + "-gateway"}
}

func (o *onDemand) deleteChild() error {
	if err := o.begin(); err != nil {
		return err
	}
	d, key := o.d, o.childKey()
	dep := &appsv1.Deployment{}
	if err := d.admin.Get(o.ctx, key, dep); err != nil {
		o.checks.Done()
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("Deployment %s does not exist now: deleted, and not created again yet", key.Name)
		}
		return fmt.Errorf("get Deployment %s: %w", key.Name, err)
	}
	old := dep.UID
	if err := d.admin.Delete(o.ctx, dep, client.Preconditions{UID: &old}); err != nil {
		o.checks.Done()
		return fmt.Errorf("delete Deployment %s: %w", key.Name, err)
	}
	d.n.Fault("kubectl", "deleted Deployment %s (requested in the lab)", key.Name)
	go o.judge(FaultDeleteChild, "the deletion", func(ctx context.Context) (bool, string, error) {
		err := d.admin.Get(ctx, key, dep)
		if err != nil && !apierrors.IsNotFound(err) {
			return false, "", err
		}
		return err == nil && dep.UID != old, fmt.Sprintf("Deployment %s is a new object", key.Name), nil
	})
	return nil
}

func (o *onDemand) editChild() error {
	if err := o.begin(); err != nil {
		return err
	}
	d, key := o.d, o.childKey()
	site, err := d.site(o.ctx)
	if err != nil {
		o.checks.Done()
		return err
	}
	cm := &corev1.ConfigMap{}
	var already bool
	err = editObject(o.ctx, d.admin, key, cm, func(cm *corev1.ConfigMap) {
		already = leafnodeURL(cm) == rogueHub
		cm.Data[ServerConfKey] = strings.ReplaceAll(cm.Data[ServerConfKey], site.Spec.Hub.URL, rogueHub)
	})
	switch {
	case apierrors.IsNotFound(err):
		o.checks.Done()
		return fmt.Errorf("ConfigMap %s does not exist now: deleted, and not created again yet", key.Name)
	case err != nil:
		o.checks.Done()
		return fmt.Errorf("edit ConfigMap %s: %w", key.Name, err)
	}
	if already {
		d.n.Fault("kubectl", "edited ConfigMap %s again (requested in the lab): its leafnode remote was still %s", key.Name, rogueHub)
	} else {
		d.n.Fault("kubectl", "edited ConfigMap %s (requested in the lab): leafnode remote now %s", key.Name, rogueHub)
	}
	go o.judge(FaultEditChild, "the edit", func(ctx context.Context) (bool, string, error) {
		if err := d.admin.Get(ctx, key, cm); err != nil {
			return false, "", client.IgnoreNotFound(err)
		}
		s, err := d.site(ctx)
		if err != nil {
			return false, "", err
		}
		return leafnodeURL(cm) == s.Spec.Hub.URL, fmt.Sprintf("ConfigMap %s's leafnode remote is the spec's hub again", key.Name), nil
	})
	return nil
}

// stopHub takes the hub's JetStream down now, unless it is down already
// (a requested stop, or the hub-outage attack), and brings it back after
// LabHubDown.
func (o *onDemand) stopHub() error {
	o.mu.Lock()
	switch {
	case o.stopped:
		defer o.mu.Unlock()
		return errors.New("the hub's JetStream is already down: stopped in the lab, back within " + LabHubDown.String())
	case o.outaged:
		defer o.mu.Unlock()
		return errors.New("the hub's JetStream is already down: the hub-outage attack stopped it")
	}
	if !o.open {
		defer o.mu.Unlock()
		return errors.New("too late: the EdgeSite is being deleted")
	}
	if o.reading > 0 {
		defer o.mu.Unlock()
		return errors.New("an attack is reading the hub's registry right now: try again in a moment")
	}
	d := o.d
	start := time.Now()
	if err := d.h.stopJetStream(); err != nil {
		o.mu.Unlock()
		return fmt.Errorf("stop the hub's JetStream: %w", err)
	}
	o.stopped = true
	o.checks.Add(1)
	o.mu.Unlock()
	d.n.Fault("hub", "JetStream stopped on the hub (requested in the lab): the server answers, the registry does not, for %s", LabHubDown)
	go func() {
		t := time.NewTimer(LabHubDown)
		select {
		case <-t.C:
		case <-o.ctx.Done():
			t.Stop()
		}
		requests := len(d.h.audit.since(start))
		o.mu.Lock()
		err := d.h.startJetStream()
		o.stopped = false
		o.mu.Unlock()
		if err != nil {
			d.n.Check("lab "+FaultStopHub, false, "JetStream started again on the hub: %v", err)
			d.violate(fmt.Sprintf("lab %s: JetStream did not start again: %v", FaultStopHub, err))
			o.checks.Done()
			return
		}
		d.n.Step("hub", "JetStream started again on the same store (requested stop over)")
		d.n.Measure("hub", "saw %d registry requests from the operator while it was down", requests)
		o.judge(FaultStopHub, "JetStream came back", func(context.Context) (bool, string, error) {
			return true, "", nil
		})
	}()
	return nil
}

// outage marks the hub-outage attack's JetStream stop: a requested stop is
// refused meanwhile, and the attack waits for a requested stop to end
// before it stops JetStream itself. The returned end is called when the
// attack brought JetStream back.
func (o *onDemand) outage(ctx context.Context) (end func(), err error) {
	if o == nil {
		return func() {}, nil
	}
	for {
		o.mu.Lock()
		if !o.stopped {
			o.outaged = true
			o.mu.Unlock()
			return func() {
				o.mu.Lock()
				o.outaged = false
				o.mu.Unlock()
			}, nil
		}
		o.mu.Unlock()
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// useHub waits for a requested stop to end and keeps the next one away
// until release: the acts that read the registry themselves (to show it, to
// forge a write) need it up.
func (o *onDemand) useHub(ctx context.Context) (release func(), err error) {
	if o == nil {
		return func() {}, nil
	}
	for {
		o.mu.Lock()
		if !o.stopped {
			o.reading++
			o.mu.Unlock()
			return func() {
				o.mu.Lock()
				o.reading--
				o.mu.Unlock()
			}, nil
		}
		o.mu.Unlock()
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// judge waits for the cluster and the hub to match the spec after a
// requested fault, and for what the fault broke (effect) to be repaired,
// and checks it happened within the bound, as the scheduled attacks do.
func (o *onDemand) judge(fault, from string, effect func(context.Context) (bool, string, error)) {
	defer o.checks.Done()
	d := o.d
	var what string
	took, err := WaitConverged(o.ctx, d.cfg.Within, func(ctx context.Context) ([]string, error) {
		drift, err := d.drift(ctx)
		if err != nil {
			return nil, err
		}
		ok, w, err := effect(ctx)
		if err != nil {
			return nil, err
		}
		what = w
		if !ok {
			drift = append(drift, w+": not yet")
		}
		return drift, nil
	})
	if err != nil && !errors.Is(err, ErrNotConverged) {
		if o.ctx.Err() != nil {
			return // the demo is over
		}
		d.n.Check("lab "+fault, false, "could not judge: %v", err)
		d.violate(fmt.Sprintf("lab %s: %v", fault, err))
		return
	}
	d.n.Measure("controller", "converged %s after %s (requested in the lab)", took.Round(time.Millisecond), from)
	also := ""
	if what != "" {
		also = ", and " + what
	}
	if !d.n.Check("lab "+fault, err == nil, "cluster and hub match the spec within %s after %s%s", d.cfg.Within, from, also) {
		d.violate(fmt.Sprintf("lab %s: %v", fault, err))
	}
}

// violate records a violation; the requested faults' checks run on their
// own goroutines.
func (d *demo) violate(v string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.violations = append(d.violations, v)
}
