package operator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/patternlab/patternlab/kit/narrate"
	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// Invariant is the sentence the demo's last line states, for a bound.
func Invariant(within time.Duration) string {
	return fmt.Sprintf("after every attack the cluster and the hub converged to the EdgeSite's spec within %s", within)
}

// Demo starts a control plane (envtest, or cfg.Kubeconfig's cluster), a hub
// (an embedded nats-server, or cfg.HubURL) and the operator with leader
// election; applies an EdgeSite; then attacks: a child deleted, children
// edited by hand, the spec updated, a status write delivered late, a
// stranger writing the hub's registry, invalid specs, the hub's JetStream
// down, a second EdgeSite claiming the plant, the EdgeSite deleted. After
// each attack it waits for convergence, judged from the API server and the
// hub, and checks it happened within cfg.Within.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	SetLoggers(cfg.Log)
	d := &demo{n: n, cfg: cfg}

	n.Act("control plane, hub and operator")
	cp, err := StartControlPlane(ControlPlaneOptions{Kubeconfig: cfg.Kubeconfig, NoSchemaValidation: !cfg.SchemaValidation})
	if err != nil {
		return err
	}
	defer func() { _ = cp.Stop() }()
	d.cp = cp
	if err := d.describeControlPlane(); err != nil {
		return err
	}
	d.key = client.ObjectKey{Namespace: cp.Unique(cfg.Namespace), Name: cfg.Site}
	d.plants = []string{cfg.Site}

	h, err := startDemoHub(ctx, cfg)
	if err != nil {
		return err
	}
	defer h.close()
	d.h = h
	d.describeHub()

	opCfg, err := cp.OperatorConfig(ctx)
	if err != nil {
		return err
	}
	if cp.Embedded {
		n.Step("rbac", "the operator runs as user %q, bound only to the ClusterRole and Role generated into config/rbac", OperatorUser)
	} else {
		n.Step("rbac", "the operator runs with the kubeconfig's identity")
	}
	d.late = &lateWrites{key: d.key}
	op, err := StartOperator(ctx, opCfg, ManagerOptions{
		Hub: h.operator, Log: logger(cfg.Log), LeaseNamespace: cp.LeaseNamespace(), Namespaces: d.watched(),
		Unsafe: cfg.unsafe(), WrapClient: d.late.wrap,
	})
	if err != nil {
		return err
	}
	defer func() { _ = op.Stop() }()
	d.op = op
	if d.admin, err = client.New(judgeConfig(cp), client.Options{Scheme: NewScheme()}); err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	if err := d.describeLease(ctx); err != nil {
		return err
	}
	if err := cp.EnsureNamespace(ctx, d.key.Namespace); err != nil {
		return err
	}
	d.describeSwitches()

	if err := d.apply(ctx); err != nil {
		return err
	}
	// The lab's fault buttons, from a converged EdgeSite to its deletion.
	withdraw := d.offer(ctx)
	defer withdraw()
	acts := []func(context.Context) error{
		d.deleteChild, d.editChildren, d.updateSpec, d.lateStatusWrite, d.stranger,
		d.invalidSpecs, d.hubOutage, d.twin,
	}
	for _, act := range acts {
		if err := act(ctx); err != nil {
			return err
		}
	}
	withdraw()
	if err := d.deleteSite(ctx); err != nil {
		return err
	}
	n.Measure("controller", "%d reconciles in all", op.Reconciler.Reconciles())
	if err := op.Stop(); err != nil {
		return fmt.Errorf("manager: %w", err)
	}
	d.mu.Lock()
	violations := append([]string(nil), d.violations...)
	d.mu.Unlock()
	n.Invariant(Invariant(cfg.Within), violations...)
	return nil
}

// judgeConfig is the admin identity with room for the judge's polling
// (about five reads every 10ms while it waits): client-go's default limit
// would hold its reads back and make convergence look slower than it was.
// On a shared cluster it stays limited, more loosely.
func judgeConfig(cp *ControlPlane) *rest.Config {
	cfg := rest.CopyConfig(cp.Admin)
	cfg.QPS, cfg.Burst = -1, 0 // no client-side limit: envtest is ours
	if !cp.Embedded {
		cfg.QPS, cfg.Burst = 100, 200
	}
	return cfg
}

// watched is what the demo's operator watches: everything on envtest, only
// the demo's own namespace on a shared cluster, whose other EdgeSites are
// someone else's.
func (d *demo) watched() []string {
	if d.cp.Embedded {
		return nil
	}
	return []string{d.key.Namespace}
}

// demo is the state shared by the acts.
type demo struct {
	n      *narrate.Narrator
	cfg    Config
	cp     *ControlPlane
	key    client.ObjectKey
	admin  client.Client // the user, the attacker and the judge: uncached
	h      *hub
	op     *Operator
	late   *lateWrites
	plants []string // every plant the EdgeSite was registered as
	outage bool     // the hub outage ran (it does not on an external hub)
	lab    *onDemand

	mu         sync.Mutex // the requested faults' checks add violations from their goroutines
	violations []string
}

// converged waits for convergence after an attack, narrates how long it
// took and records a violation if it did not happen within the bound.
// The clock starts when converged is called, right after the attack (or,
// where from says so, after the moment it names).
func (d *demo) converged(ctx context.Context, attack string) error {
	return d.convergedTo(ctx, attack, "cluster and hub match the spec", "the attack", d.drift)
}

func (d *demo) convergedTo(ctx context.Context, attack, target, from string, drift func(context.Context) ([]string, error)) error {
	took, err := WaitConverged(ctx, d.cfg.Within, drift)
	if err != nil && !errors.Is(err, ErrNotConverged) {
		return err
	}
	d.n.Measure("controller", "converged %s after %s (%d reconciles so far)", took.Round(time.Millisecond), from, d.op.Reconciler.Reconciles())
	if !d.n.Check(attack, err == nil, "%s within %s", target, d.cfg.Within) {
		d.violate(fmt.Sprintf("%s: %v", attack, err))
	}
	return nil
}

func (d *demo) drift(ctx context.Context) ([]string, error) {
	return Drift(ctx, d.admin, d.h.judge, d.key)
}

func (d *demo) site(ctx context.Context) (*edgev1.EdgeSite, error) {
	site := &edgev1.EdgeSite{}
	if err := d.admin.Get(ctx, d.key, site); err != nil {
		return nil, fmt.Errorf("get EdgeSite %s: %w", d.key, err)
	}
	return site, nil
}

// attackerRetry is how the demo's user and attacker retry a write refused
// with 409 Conflict: the operator writes the same objects (status, children)
// at any moment, so a read-modify-write can lose the race and must read
// again. Generous, for a loaded machine.
var attackerRetry = wait.Backoff{Steps: 12, Duration: 10 * time.Millisecond, Factor: 2, Jitter: 0.2, Cap: time.Second}

// editObject reads obj at key, changes it and writes it back, again on a conflict.
func editObject[T client.Object](ctx context.Context, c client.Client, key client.ObjectKey, obj T, change func(T)) error {
	return retry.RetryOnConflict(attackerRetry, func() error {
		if err := c.Get(ctx, key, obj); err != nil {
			return err
		}
		change(obj)
		return c.Update(ctx, obj)
	})
}

// updateSite changes the EdgeSite's spec as its user would, and returns it
// as stored.
func (d *demo) updateSite(ctx context.Context, change func(*edgev1.EdgeSite)) (*edgev1.EdgeSite, error) {
	site := &edgev1.EdgeSite{}
	if err := editObject(ctx, d.admin, d.key, site, change); err != nil {
		return nil, fmt.Errorf("update EdgeSite %s: %w", d.key, err)
	}
	return site, nil
}

var loggersOnce sync.Once

// SetLoggers sends controller-runtime's and client-go's logs to w, or
// nowhere: the narration is the demo's output. klog's logger may only be set
// before anything logs, so the first call in a process wins.
func SetLoggers(w io.Writer) {
	loggersOnce.Do(func() {
		l := logger(w)
		ctrl.SetLogger(l)
		klog.SetLogger(l)
	})
}

func logger(w io.Writer) logr.Logger {
	if w == nil {
		return logr.Discard()
	}
	return funcr.New(func(prefix, args string) {
		fmt.Fprintln(w, strings.TrimSpace(prefix+" "+args))
	}, funcr.Options{})
}
