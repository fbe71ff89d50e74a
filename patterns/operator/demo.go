package operator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
	edgev1 "github.com/patternlab/patternlab/patterns/operator/api/v1alpha1"
)

// Config of the demo.
type Config struct {
	Namespace string        // where the EdgeSite lives
	Site      string        // the EdgeSite's name, also its plant
	Within    time.Duration // the convergence bound the invariant states
	Log       io.Writer     // controller-runtime and client-go logs; nil discards them

	// Kubeconfig, when set, runs against that cluster instead of envtest
	// (cmd/demo takes it from KUBECONFIG). HubURL, when set, is an existing
	// NATS system instead of the embedded one (cmd/demo: NATS_URL).
	Kubeconfig string
	HubURL     string
}

// DefaultConfig is what `make demo P=operator` runs.
func DefaultConfig() Config {
	return Config{Namespace: "plants", Site: "plant-7", Within: 10 * time.Second}
}

// Validate reports a bad configuration as a usage error.
func (c Config) Validate() error {
	if c.Within <= 0 || c.Within > 5*time.Minute {
		return narrate.Usagef("-within must be in (0, 5m], got %s", c.Within)
	}
	if errs := validation.IsDNS1123Label(c.Namespace); len(errs) > 0 {
		return narrate.Usagef("-namespace %q: %s", c.Namespace, strings.Join(errs, "; "))
	}
	if !plantName.MatchString(c.Site) || len(c.Site) > 32 {
		return narrate.Usagef("-site %q: a plant name: 2 to 32 of a-z, 0-9 and '-', starting with a letter", c.Site)
	}
	return nil
}

// plantName is the CRD's pattern for spec.plant; the demo's site is its plant.
var plantName = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)

// Invariant is the sentence the demo's last line states, for a bound.
func Invariant(within time.Duration) string {
	return fmt.Sprintf("after every attack the cluster and the hub converged to the EdgeSite's spec within %s", within)
}

// Demo starts a control plane (envtest, or cfg.Kubeconfig's cluster), a hub
// (an embedded nats-server, or cfg.HubURL) and the operator with leader
// election; applies an EdgeSite; then attacks: a child deleted, children
// edited by hand, the spec updated, invalid specs submitted, the hub taken
// down, the EdgeSite deleted. After each attack it waits for convergence
// and checks it happened within cfg.Within.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	setLoggers(cfg.Log)
	d := &demo{n: n, cfg: cfg, key: client.ObjectKey{Namespace: cfg.Namespace, Name: cfg.Site}}

	n.Act("control plane, hub and operator")
	cp, err := StartControlPlane(cfg.Kubeconfig)
	if err != nil {
		return err
	}
	defer func() { _ = cp.Stop() }()
	d.controlPlaneEmbedded = cp.Embedded
	if err := d.describeControlPlane(cp); err != nil {
		return err
	}

	hubTarget := &natsembed.Target{URL: cfg.HubURL}
	if cfg.HubURL == "" {
		srv, err := natsembed.Start(natsembed.Options{Name: "hub"})
		if err != nil {
			return fmt.Errorf("start hub: %w", err)
		}
		hubTarget = &natsembed.Target{URL: srv.ClientURL(), Embedded: srv}
	}
	defer hubTarget.Close()
	// No reconnect buffer: while the hub is down a request fails at once and
	// the work queue's backoff decides when to try again.
	nc, err := natsembed.Connect(hubTarget.URL, "edgesite-operator",
		nats.ReconnectWait(50*time.Millisecond), nats.ReconnectBufSize(-1))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	if d.hub, err = NewKVHub(ctx, js); err != nil {
		return err
	}
	d.hubServer = hubTarget.Embedded
	n.Step("hub", "%s; its key-value bucket %q lists the plants the hub routes", hubWord(hubTarget), HubBucket)

	opCfg, err := cp.OperatorConfig(ctx)
	if err != nil {
		return err
	}
	if cp.Embedded {
		n.Step("rbac", "the operator runs as user %q, bound only to the ClusterRole and Role generated into config/rbac", OperatorUser)
	} else {
		n.Step("rbac", "the operator runs with the kubeconfig's identity")
	}
	mgr, rec, err := NewManager(opCfg, ManagerOptions{Hub: d.hub, Log: logger(cfg.Log)})
	if err != nil {
		return err
	}
	d.rec = rec
	mgrCtx, stopManager := context.WithCancel(ctx)
	var g errgroup.Group
	g.Go(func() error { return mgr.Start(mgrCtx) })
	defer func() {
		stopManager()
		_ = g.Wait()
	}()
	if d.admin, err = client.New(cp.Admin, client.Options{Scheme: NewScheme()}); err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	if err := d.waitElected(ctx, mgr.Elected()); err != nil {
		return err
	}
	if err := ensureNamespace(ctx, d.admin, cfg.Namespace); err != nil {
		return err
	}

	acts := []func(context.Context) error{
		d.apply, d.deleteChild, d.editChildren, d.updateSpec, d.invalidSpecs, d.hubOutage, d.deleteSite,
	}
	for _, act := range acts {
		if err := act(ctx); err != nil {
			return err
		}
	}
	n.Measure("controller", "%d reconciles in all", rec.Reconciles())
	stopManager()
	if err := g.Wait(); err != nil {
		return fmt.Errorf("manager: %w", err)
	}
	n.Invariant(Invariant(cfg.Within), d.violations...)
	return nil
}

// demo is the state shared by the acts.
type demo struct {
	n          *narrate.Narrator
	cfg        Config
	key        client.ObjectKey
	admin      client.Client // the user, the attacker and the judge: uncached
	hub        *KVHub
	hubServer  *natsembed.Server // nil when the hub is external
	rec        *EdgeSiteReconciler
	violations []string

	controlPlaneEmbedded bool // envtest: no garbage collector

}

// converged waits for convergence after an attack, narrates how long it
// took and records a violation if it did not happen within the bound.
func (d *demo) converged(ctx context.Context, attack string, drift func(context.Context) ([]string, error)) error {
	return d.convergedTo(ctx, attack, "cluster and hub match the spec", drift)
}

func (d *demo) convergedTo(ctx context.Context, attack, target string, drift func(context.Context) ([]string, error)) error {
	took, err := WaitConverged(ctx, d.cfg.Within, drift)
	if err != nil && !errors.Is(err, ErrNotConverged) {
		return err
	}
	d.n.Measure("controller", "converged in %s (%d reconciles so far)", took.Round(time.Millisecond), d.rec.Reconciles())
	if !d.n.Check(attack, err == nil, "%s within %s", target, d.cfg.Within) {
		d.violations = append(d.violations, fmt.Sprintf("%s: %v", attack, err))
	}
	return nil
}

func (d *demo) drift(ctx context.Context) ([]string, error) {
	return Drift(ctx, d.admin, d.hub, d.key)
}

func (d *demo) site(ctx context.Context) (*edgev1.EdgeSite, error) {
	site := &edgev1.EdgeSite{}
	if err := d.admin.Get(ctx, d.key, site); err != nil {
		return nil, fmt.Errorf("get EdgeSite %s: %w", d.key, err)
	}
	return site, nil
}

func hubWord(t *natsembed.Target) string {
	if t.External() {
		return "external NATS hub at " + t.URL
	}
	return "embedded nats-server with JetStream"
}

var loggersOnce sync.Once

// setLoggers sends controller-runtime's and client-go's logs to w, or
// nowhere: the narration is the demo's output. klog's logger may only be set
// before anything logs, so the first call in a process wins.
func setLoggers(w io.Writer) {
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
