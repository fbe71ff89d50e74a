// Package gosaga is the Go column of the cross-language saga comparison. It
// owns no saga logic: the orders, the seeded fault schedule, the services'
// idempotent ledgers and the invariant are patterns/saga's own (shop.NewOrders,
// shop.NewPlan, shop.NewService, shop.Verify); this package only drives them
// in process, in the order the orchestrated workflow runs its steps, and
// prints the summary the Java and Rust programs print.
package gosaga

import (
	"errors"
	"fmt"

	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// Config is what a summary run takes; the Java and Rust programs take the
// same values as flags.
type Config struct {
	Orders     int
	Seed       uint64
	FaultRate  float64
	Idempotent bool
}

// Run runs the sagas without formatting anything and returns how many
// deliveries (saga steps) the services received: what the benchmark times.
func Run(c Config) (deliveries int, err error) {
	orders := shop.NewOrders(c.Orders, c.Seed)
	plan := shop.NewPlan(orders, c.Seed, c.FaultRate)
	services := map[string]*shop.Service{}
	for _, name := range shop.Services {
		if services[name], err = shop.NewService(name, shop.Options{Ledger: ledger.Options{Inject: plan, UnsafeNoIdempotency: !c.Idempotent}}); err != nil {
			return 0, err
		}
	}
	r := &runner{services: services, plan: plan}
	for _, o := range orders {
		if _, err := r.run(o); err != nil {
			return 0, err
		}
	}
	return r.deliveries, nil
}

// Summary runs the sagas and returns the deterministic summary, one line a
// fact, as `saga.Main -summary` (Java) and `saga -summary` (Rust) print it.
func Summary(c Config) ([]string, error) {
	orders := shop.NewOrders(c.Orders, c.Seed)
	plan := shop.NewPlan(orders, c.Seed, c.FaultRate)
	services := map[string]*shop.Service{}
	for _, name := range shop.Services {
		s, err := shop.NewService(name, shop.Options{Ledger: ledger.Options{Inject: plan, UnsafeNoIdempotency: !c.Idempotent}})
		if err != nil {
			return nil, err
		}
		services[name] = s
	}
	r := &runner{services: services, plan: plan}
	outcomes := map[string]shop.Outcome{}
	out := []string{fmt.Sprintf("saga seed=%d orders=%d idempotency=%t", c.Seed, c.Orders, c.Idempotent)}
	for _, o := range orders {
		out = append(out, fmt.Sprintf("order %s %s", o.ID, o.What()))
	}
	out = append(out, schedule(orders, plan)...)
	for _, o := range orders {
		oc, err := r.run(o)
		if err != nil {
			return nil, err
		}
		outcomes[o.ID] = oc
		line := "outcome " + o.ID + " " + string(oc.Status)
		if oc.Reason != "" {
			line += ": " + oc.Reason
		}
		out = append(out, line)
	}
	snaps := map[string]ledger.Snapshot{}
	for name, s := range services {
		snaps[name] = s.Ledger.Snapshot()
	}
	rep := shop.Verify(orders, outcomes, snaps)
	out = append(out, fmt.Sprintf("report completed=%d compensated=%d stock=%d available=%d reserved=%d shipped=%d completed-units=%d charged=%s refunded=%s completed-amount=%s deliveries=%d keys=%d duplicates=%d",
		rep.Completed, rep.Compensated, rep.Stock, rep.Available, rep.Reserved, rep.Shipped, rep.CompletedUnits,
		rep.Charged, rep.Refunded, rep.CompletedAmount, r.deliveries, rep.Keys, rep.Duplicates))
	for _, v := range rep.Violations {
		out = append(out, "violation "+v)
	}
	verdict := "HELD"
	if len(rep.Violations) > 0 {
		verdict = "VIOLATED"
	}
	return append(out, "invariant "+verdict), nil
}

// schedule lists the planned faults in order and step order.
func schedule(orders []shop.Order, plan *shop.Plan) []string {
	var out []string
	for _, o := range orders {
		for _, s := range []shop.Step{shop.Reserve, shop.Charge, shop.Book, shop.Refund, shop.Release} {
			f := plan.Fault(s.Key(o.ID))
			if f == (shop.Fault{}) {
				continue
			}
			line := fmt.Sprintf("fault %s/%s", o.ID, s)
			if f.Transient > 0 {
				line += fmt.Sprintf(" transient=%d", f.Transient)
			}
			if f.Decline != "" {
				line += fmt.Sprintf(" decline=%q", f.Decline)
			}
			if f.Redeliver {
				line += " redeliver"
			}
			out = append(out, line)
		}
	}
	key := func(k ledger.Key) string {
		if k == (ledger.Key{}) {
			return "none"
		}
		return k.String()
	}
	return append(out, "script kill-worker="+key(plan.KillWorker)+" cancel="+key(plan.Cancel)+
		" pivot="+key(plan.Pivot)+" failing="+key(plan.Failing))
}

type runner struct {
	services   map[string]*shop.Service
	plan       *shop.Plan
	deliveries int
}

// run is OrderSaga's loop without Temporal: forward steps with at most
// MaxForwardAttempts deliveries, the compensation stack, compensations retried
// until they succeed, and the plan's redeliveries, killed worker and cancel.
func (r *runner) run(o shop.Order) (shop.Outcome, error) {
	var stack []shop.Step
	reason, cancelled := "", false
	for _, step := range shop.Forward {
		if cancelled {
			reason = "cancelled by the customer"
			break
		}
		k := step.Key(o.ID)
		err := r.forward(k, o)
		var declined *ledger.DeclinedError
		if comp, ok := step.Compensation(); ok && !errors.As(err, &declined) {
			stack = append(stack, comp)
		}
		switch {
		case errors.As(err, &declined):
			reason = declined.Error()
		case errors.Is(err, ledger.ErrTransient):
			reason = fmt.Sprintf("%s failed: gave up after %d attempts", step, shop.MaxForwardAttempts)
		case err != nil:
			return shop.Outcome{}, err
		}
		if err != nil {
			break
		}
		if k == r.plan.KillWorker {
			r.deliver(k, o) // the worker died before it heard the answer
		}
		if k == r.plan.Cancel {
			cancelled = true
		}
	}
	if reason == "" {
		return shop.Outcome{Saga: o.ID, Status: shop.Completed}, nil
	}
	for i := len(stack) - 1; i >= 0; i-- {
		if err := r.compensate(stack[i].Key(o.ID), o); err != nil {
			return shop.Outcome{}, err
		}
	}
	return shop.Outcome{Saga: o.ID, Status: shop.Compensated, Reason: reason}, nil
}

func (r *runner) forward(k ledger.Key, o shop.Order) error {
	for attempt := 1; ; attempt++ {
		err := r.deliver(k, o)
		if err == nil {
			if r.plan.Fault(k).Redeliver {
				r.deliver(k, o)
			}
			return nil
		}
		if !errors.Is(err, ledger.ErrTransient) || attempt == shop.MaxForwardAttempts {
			return err
		}
	}
}

func (r *runner) compensate(k ledger.Key, o shop.Order) error {
	for {
		err := r.deliver(k, o)
		if err == nil {
			if r.plan.Fault(k).Redeliver {
				r.deliver(k, o)
			}
			return nil
		}
		if !errors.Is(err, ledger.ErrTransient) {
			return fmt.Errorf("compensation %s: %w", k, err)
		}
	}
}

func (r *runner) deliver(k ledger.Key, o shop.Order) error {
	r.deliveries++
	_, err := r.services[shop.Step(k.Step).Service()].Do(shop.Step(k.Step), o)
	return err
}
