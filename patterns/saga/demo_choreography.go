package saga

import (
	"context"
	"fmt"
	"time"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/poll"
)

// sagaTimeout bounds one saga of the demo, faults and recovery included.
const sagaTimeout = time.Minute

// runChoreography is act 1: the orders go through services that only react
// to events. One service crashes mid-run and resumes from its durable
// consumer.
func runChoreography(ctx context.Context, n *narrate.Narrator, url string, orders []Order, plan *Plan, cfg Config) (Report, error) {
	n.Act("act 1: choreography: each service reacts to events on NATS JetStream, nobody holds the saga")
	services, err := newServices(LedgerOptions{Inject: plan, UnsafeNoIdempotency: cfg.UnsafeNoIdempotency})
	if err != nil {
		return Report{}, err
	}
	c, err := StartChoreography(ctx, url, services, ChoreographyOptions{
		ParticipantOptions: ParticipantOptions{Prefix: "chor", Plan: plan},
	})
	if err != nil {
		return Report{}, err
	}
	defer c.Close()

	start := time.Now()
	for _, o := range orders {
		if err := choreographOne(ctx, n, c, services, plan, o); err != nil {
			return Report{}, err
		}
	}
	elapsed := time.Since(start)
	n.Measure("orders", "%d sagas in %s, one after another", len(orders), elapsed.Round(time.Millisecond))

	snaps, err := c.Snapshots(ctx)
	if err != nil {
		return Report{}, err
	}
	r := Verify(orders, c.Outcomes(), snaps)
	tellChecks(n, "choreography", r)
	return r, nil
}

func choreographOne(ctx context.Context, n *narrate.Narrator, c *Choreography, services map[string]*Service, plan *Plan, o Order) error {
	ctx, cancel := context.WithTimeout(ctx, sagaTimeout)
	defer cancel()
	began := time.Now()
	crashed := ""
	if plan.Crash.Saga == o.ID {
		crashed = plan.Crash.Step.Service()
		if err := c.Crash(crashed); err != nil {
			return err
		}
		n.Fault(crashed, "crashes: its consumer stops and its connection drops, before %s reaches it", o.ID)
	}
	n.Step("orders", "%s placed: %s", o.ID, o.What())
	if err := c.Place(ctx, o); err != nil {
		return err
	}
	if crashed != "" {
		backlog, err := waitBacklog(ctx, c, crashed)
		if err != nil {
			return err
		}
		n.Step(crashed, "restarts: its durable consumer resumes at the first unacknowledged event (%d waiting)", backlog)
		if err := c.Restart(ctx, crashed); err != nil {
			return err
		}
	}
	out, err := c.Wait(ctx, o.ID)
	if err != nil {
		return err
	}
	took := time.Since(began)
	// Let redelivered duplicates land before reading the journals.
	if err := c.Quiesce(ctx); err != nil {
		return err
	}
	tellStory(n, o.ID, services)
	tellOutcome(n, "orders", out)
	n.Measure("orders", "%s took %s", o.ID, took.Round(time.Millisecond))
	return nil
}

// waitBacklog waits until an event waits for the crashed service.
func waitBacklog(ctx context.Context, c *Choreography, service string) (int, error) {
	var n int
	err := poll.Until(ctx, 2*time.Millisecond, func() (bool, error) {
		var err error
		n, err = c.Backlog(ctx, service)
		return n > 0, err
	})
	if err != nil {
		return 0, fmt.Errorf("wait for an event for %s: %w", service, err)
	}
	return n, nil
}
