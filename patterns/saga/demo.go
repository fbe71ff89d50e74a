package saga

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/temporaldev"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// The subject prefixes of the two acts (made unique on a shared server).
const (
	choreographyPrefix  = "chor"
	orchestrationPrefix = "orch"
)

// ProtectedSubjects are the subjects only the lab's own user may publish
// on: the embedded server enforces it, deploy/nats-server.conf shows the
// same for a shared server.
func ProtectedSubjects() []string {
	return []string{choreographyPrefix + ".>", orchestrationPrefix + ".>"}
}

// uniquePrefix is base on the demo's own server and "base.<run id>" on a
// shared one: unique, and still under base.>, which the shared server's
// permissions protect.
func uniquePrefix(target *natsembed.Target, base string) string {
	if !target.External() {
		return base
	}
	return base + "." + strings.TrimPrefix(target.Unique(base), base+"_")
}

// Demo runs the same orders through both styles under the same seeded
// fault schedule, then checks the invariant on each style's real state.
func Demo(ctx context.Context, n *narrate.Narrator, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	orders := shop.NewOrders(cfg.Orders, cfg.Seed)
	plan := shop.NewPlan(orders, cfg.Seed, cfg.FaultRate)

	n.Act("saga: %d orders, seed %d, fault rate %.2f", cfg.Orders, cfg.Seed, cfg.FaultRate)
	n.Step("lab", "three services, each with its own ledger: inventory (stock %d per item), payment, shipping", shop.InitialStock)
	n.Step("lab", "fault schedule: %s", plan.Summary())
	n.Step("lab", "scripted: %s", scripted(plan))
	for _, off := range cfg.switchedOff() {
		n.Step("lab", "SAFEGUARD OFF: %s (watch the invariant break)", off)
	}
	target, err := natsembed.FromEnv(natsembed.Options{Name: "saga", Protect: ProtectedSubjects()})
	if err != nil {
		return fmt.Errorf("start nats: %w", err)
	}
	defer target.Close()
	if target.External() {
		n.Step("lab", "NATS: a shared server from %s; this run creates only uniquely named streams and subjects, and deletes them on exit", natsembed.EnvURL)
	} else {
		n.Step("lab", "NATS: an embedded nats-server with JetStream; only the lab's own user may publish on %s.> and %s.>", choreographyPrefix, orchestrationPrefix)
	}
	n.Measure("lab", "%s", target.Describe())
	switch {
	case cfg.Temporal == InMemory:
		n.Step("lab", "Temporal: the SDK's in-memory test environment (-temporal=%s), no server", InMemory)
	case os.Getenv(temporaldev.EnvAddress) != "":
		n.Step("lab", "Temporal: a shared server from %s; this run's task queue and workflow IDs are unique, and its workflows are deleted on exit", temporaldev.EnvAddress)
	default:
		n.Step("lab", "Temporal: a dev server of its own (the cached Temporal CLI), started for act 2")
	}

	chor, err := runChoreography(ctx, n, target, orders, plan, cfg)
	if err != nil {
		return fmt.Errorf("choreography: %w", err)
	}
	orch, be, err := runOrchestration(ctx, n, target, orders, plan, cfg)
	if errors.Is(err, temporaldev.ErrNoCLI) {
		return fmt.Errorf("orchestration: %w (or run with -temporal=%s)", err, InMemory)
	}
	if err != nil {
		return fmt.Errorf("orchestration: %w", err)
	}
	defer be.stop()

	n.Act("verdict")
	if cfg.Hold && be.ui != "" {
		n.Step("temporal", "-hold: the dev server stays up after the verdict, for its Web UI, until Ctrl-C")
	}
	var violations []string
	for _, r := range []struct {
		style shop.Style
		rep   shop.Report
	}{{shop.Choreography, chor}, {shop.Orchestration, orch}} {
		for _, v := range r.rep.Violations {
			violations = append(violations, string(r.style)+": "+v)
		}
	}
	n.Invariant("choreography and orchestration: "+shop.Invariant, violations...)
	if cfg.Hold && be.ui != "" {
		<-ctx.Done()
	}
	return nil
}

// scripted says which saga each scripted fault targets.
func scripted(p *shop.Plan) string {
	return fmt.Sprintf("%s's %s fails %s after a decline; %s crashes before %s's %s (choreography) and the worker is killed after %s's %s applied (dev server); "+
		"%s's %s is delayed in the network while its customer cancels (orchestration); %s's %s, the pivot, fails %d times and its last answer is lost",
		p.Failing.Saga, p.Failing.Step, times(p.Fault(p.Failing).Transient),
		shop.Step(p.Crash.Step).Service(), p.Crash.Saga, p.Crash.Step, p.KillWorker.Saga, p.KillWorker.Step,
		p.Cancel.Saga, p.Cancel.Step,
		p.Pivot.Saga, p.Pivot.Step, shop.MaxForwardAttempts-1)
}

// switchedOff names the safeguards the configuration turns off.
func (c Config) switchedOff() []string {
	var out []string
	for _, s := range []struct {
		on   bool
		what string
	}{
		{c.Idempotency, "idempotency keys: every delivery applies, duplicates included"},
		{c.Compensation, "compensation: a failed saga undoes nothing"},
		{c.CompensationRetries, "compensation retries: a compensation gives up after one attempt"},
		{c.SettlePivot, "settling the pivot: a pivot whose outcome is unknown is compensated blindly"},
		{c.Tombstones, "tombstones: a step that arrives after its compensation applies"},
	} {
		if !s.on {
			out = append(out, s.what)
		}
	}
	return out
}

func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}
