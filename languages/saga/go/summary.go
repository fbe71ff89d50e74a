// Package gosaga is the Go column of the cross-language saga comparison. It
// owns no saga logic: the orders, the seeded fault schedule, the services'
// idempotent ledgers and the invariant are patterns/saga's own (NewOrders,
// NewPlan, NewService, Verify); this package only drives them in process, in
// the order the orchestrated workflow runs its steps, and prints the summary
// the Java and Rust programs print.
package gosaga

import (
	"errors"
	"fmt"

	"github.com/patternlab/patternlab/patterns/saga"
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
	orders := saga.NewOrders(c.Orders, c.Seed)
	plan := saga.NewPlan(orders, c.Seed, c.FaultRate)
	services := map[string]*saga.Service{}
	for _, name := range saga.Services {
		if services[name], err = saga.NewService(name, saga.LedgerOptions{Inject: plan, UnsafeNoIdempotency: !c.Idempotent}); err != nil {
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
	orders := saga.NewOrders(c.Orders, c.Seed)
	plan := saga.NewPlan(orders, c.Seed, c.FaultRate)
	services := map[string]*saga.Service{}
	for _, name := range saga.Services {
		s, err := saga.NewService(name, saga.LedgerOptions{Inject: plan, UnsafeNoIdempotency: !c.Idempotent})
		if err != nil {
			return nil, err
		}
		services[name] = s
	}
	r := &runner{services: services, plan: plan}
	outcomes := map[string]saga.Outcome{}
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
	snaps := map[string]saga.Snapshot{}
	for name, s := range services {
		snaps[name] = s.Ledger.Snapshot()
	}
	rep := saga.Verify(orders, outcomes, snaps)
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
func schedule(orders []saga.Order, plan *saga.Plan) []string {
	var out []string
	for _, o := range orders {
		for _, s := range []saga.Step{saga.Reserve, saga.Charge, saga.Book, saga.Refund, saga.Release} {
			f := plan.Fault(saga.Key{Saga: o.ID, Step: s})
			if f == (saga.Fault{}) {
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
	key := func(k saga.Key) string {
		if k == (saga.Key{}) {
			return "none"
		}
		return k.String()
	}
	return append(out, "script kill-worker="+key(plan.KillWorker)+" cancel="+key(plan.Cancel))
}

type runner struct {
	services   map[string]*saga.Service
	plan       *saga.Plan
	deliveries int
}

// run is OrderSaga's loop without Temporal: forward steps with at most
// MaxForwardAttempts deliveries, the compensation stack, compensations retried
// until they succeed, and the plan's redeliveries, killed worker and cancel.
func (r *runner) run(o saga.Order) (saga.Outcome, error) {
	var stack []saga.Step
	reason, cancelled := "", false
	for _, step := range saga.Forward {
		if cancelled {
			reason = "cancelled by the customer"
			break
		}
		k := saga.Key{Saga: o.ID, Step: step}
		err := r.forward(k, o)
		var declined *saga.DeclinedError
		if comp, ok := step.Compensation(); ok && !errors.As(err, &declined) {
			stack = append(stack, comp)
		}
		switch {
		case errors.As(err, &declined):
			reason = declined.Error()
		case errors.Is(err, saga.ErrTransient):
			reason = fmt.Sprintf("%s failed: gave up after %d attempts", step, saga.MaxForwardAttempts)
		case err != nil:
			return saga.Outcome{}, err
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
		return saga.Outcome{Saga: o.ID, Status: saga.Completed}, nil
	}
	for i := len(stack) - 1; i >= 0; i-- {
		if err := r.compensate(saga.Key{Saga: o.ID, Step: stack[i]}, o); err != nil {
			return saga.Outcome{}, err
		}
	}
	return saga.Outcome{Saga: o.ID, Status: saga.Compensated, Reason: reason}, nil
}

func (r *runner) forward(k saga.Key, o saga.Order) error {
	for attempt := 1; ; attempt++ {
		err := r.deliver(k, o)
		if err == nil {
			if r.plan.Fault(k).Redeliver {
				r.deliver(k, o)
			}
			return nil
		}
		if !errors.Is(err, saga.ErrTransient) || attempt == saga.MaxForwardAttempts {
			return err
		}
	}
}

func (r *runner) compensate(k saga.Key, o saga.Order) error {
	for {
		err := r.deliver(k, o)
		if err == nil {
			if r.plan.Fault(k).Redeliver {
				r.deliver(k, o)
			}
			return nil
		}
		if !errors.Is(err, saga.ErrTransient) {
			return fmt.Errorf("compensation %s: %w", k, err)
		}
	}
}

func (r *runner) deliver(k saga.Key, o saga.Order) error {
	r.deliveries++
	_, err := r.services[k.Step.Service()].Do(k.Step, o)
	return err
}
