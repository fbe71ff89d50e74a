package operator

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/patternlab/patternlab/kit/demoflag"
	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
)

// Config of the demo.
type Config struct {
	Namespace string        // where the EdgeSites live (with a unique suffix on a real cluster)
	Site      string        // the EdgeSite's name, also its plant
	Within    time.Duration // the convergence bound the invariant states
	Log       io.Writer     // controller-runtime and client-go logs; nil discards them

	// Kubeconfig, when set, runs against that cluster instead of envtest
	// (Command takes it from KUBECONFIG). HubURL, when set, is an existing
	// NATS system instead of the embedded hub (Command: NATS_URL).
	Kubeconfig string
	HubURL     string

	// The safeguards the invariant depends on, each on by default; its
	// switch (pattern.yaml) turns it off, and the demo must then end
	// VIOLATED with the evidence.
	Finalizer         bool // the finalizer deregisters the plant before the EdgeSite goes
	ResourceVersion   bool // status writes carry the resourceVersion read
	RegistrationOwner bool // the finalizer removes only the EdgeSite's own registration
	OwnerReferences   bool // children name the EdgeSite as their controller
	DriftRepair       bool // children that drifted are set back to the spec
	SchemaValidation  bool // the CRD's OpenAPI and CEL rules refuse invalid specs
	Protect           bool // only the operator may write the hub's registry
}

// DefaultConfig is what `make demo P=operator` runs.
func DefaultConfig() Config {
	return Config{
		Namespace: "plants", Site: "plant-7", Within: 10 * time.Second,
		Finalizer: true, ResourceVersion: true, RegistrationOwner: true, OwnerReferences: true,
		DriftRepair: true, SchemaValidation: true, Protect: true,
	}
}

// Flags are the demo's flags, each with its range, over cfg.
func Flags(cfg *Config, verbose *bool) *demoflag.Set {
	s := demoflag.New("operator")
	s.Text(&cfg.Namespace, "namespace", namespaceName, "namespace of the EdgeSites (a DNS label of at most 40 characters)")
	s.Text(&cfg.Site, "site", siteName, "name of the EdgeSite, also its plant (2 to 24 of a-z, 0-9 and '-', starting with a letter)")
	s.Duration(&cfg.Within, "within", minWithin, 5*time.Minute, "convergence bound after each attack (at least 5s: after the hub outage the next retry may be 1.6s away, on a loaded machine more)")
	s.Bool(verbose, "v", "print controller-runtime and client-go logs to stderr")
	s.Bool(&cfg.Finalizer, "finalizer", "a finalizer deregisters the plant before the EdgeSite is deleted (false: a ghost route stays on the hub)")
	s.Bool(&cfg.ResourceVersion, "resource-version", "status writes carry the resourceVersion read (false: a late write overwrites a newer status)")
	s.Bool(&cfg.RegistrationOwner, "registration-owner", "the finalizer removes only its own registration (false: deleting a refused twin unregisters the owner's plant)")
	s.Bool(&cfg.OwnerReferences, "owner-references", "children name the EdgeSite as their controller (false: their events never reach it, and they outlive it)")
	s.Bool(&cfg.DriftRepair, "drift-repair", "children that drifted are set back to the spec (false: only missing ones are created)")
	s.Bool(&cfg.SchemaValidation, "schema-validation", "the CRD's OpenAPI and CEL rules refuse invalid specs (false: the schema accepts anything)")
	s.Bool(&cfg.Protect, "protect", "only the operator may write the hub's registry (false: a stranger rewrites a plant's registration)")
	s.Check(func() error { return cfg.Validate() }) // a closure: cfg.Validate would bind a copy of the defaults
	return s
}

// Command parses the demo's flags into a runnable demo; KUBECONFIG and
// NATS_URL choose real servers instead of the embedded ones.
func Command(args []string) (narrate.Demo, error) {
	cfg := DefaultConfig()
	cfg.Kubeconfig = os.Getenv(EnvKubeconfig)
	cfg.HubURL = os.Getenv(natsembed.EnvURL)
	var verbose bool
	if err := Flags(&cfg, &verbose).Parse(args); err != nil {
		return nil, err
	}
	if verbose {
		cfg.Log = os.Stderr
	}
	return func(ctx context.Context, n *narrate.Narrator) error { return Demo(ctx, n, cfg) }, nil
}

// Validate reports a bad configuration as a usage error.
func (c Config) Validate() error {
	switch {
	case c.Within < minWithin || c.Within > 5*time.Minute:
		return narrate.FlagError("within", "must be in [%s, 5m], got %s", minWithin, c.Within)
	case namespaceName(c.Namespace) != nil:
		return narrate.FlagError("namespace", "%q: %v", c.Namespace, namespaceName(c.Namespace))
	case siteName(c.Site) != nil:
		return narrate.FlagError("site", "%q: %v", c.Site, siteName(c.Site))
	case !c.SchemaValidation && c.Kubeconfig != "":
		return narrate.FlagError("schema-validation", "false needs the embedded control plane: on the cluster %s names, the CRD is shared", EnvKubeconfig)
	case !c.Protect && c.HubURL != "":
		return narrate.FlagError("protect", "false needs the embedded hub: on the hub %s names, the permissions are its operator's", natsembed.EnvURL)
	}
	return nil
}

// unsafe is the reconciler's view of the switches.
func (c Config) unsafe() Unsafe {
	return Unsafe{
		NoFinalizer:         !c.Finalizer,
		NoResourceVersion:   !c.ResourceVersion,
		NoRegistrationOwner: !c.RegistrationOwner,
		NoOwnerReferences:   !c.OwnerReferences,
		NoDriftRepair:       !c.DriftRepair,
	}
}

// minWithin is the shortest convergence bound the demo accepts: after the
// hub outage the operator's next retry is BackoffBase doubled once per
// refused attempt (1.6s after outageAttempts of them), and the bound must
// hold that wait with room for a loaded machine.
const minWithin = 5 * time.Second

// siteMaxLen leaves room in a plant name (at most 32) for the demo's
// derived names: "<site>-moved", "<site>-bad", "<site>-twin".
const siteMaxLen = 24

// plantName is the CRD's pattern for spec.plant; the demo's site is its plant.
var plantName = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)

func siteName(s string) error {
	if len(s) < 2 || len(s) > siteMaxLen || !plantName.MatchString(s) {
		return fmt.Errorf("a plant name: 2 to %d of a-z, 0-9 and '-', starting with a letter and not ending with '-'", siteMaxLen)
	}
	return nil
}

// namespaceMaxLen leaves room for the suffix a real cluster's namespaces get.
const namespaceMaxLen = 40

func namespaceName(s string) error {
	if len(s) > namespaceMaxLen {
		return fmt.Errorf("at most %d characters", namespaceMaxLen)
	}
	if errs := validation.IsDNS1123Label(s); len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}
