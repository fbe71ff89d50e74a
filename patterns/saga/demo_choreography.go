package saga

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/patternlab/patternlab/kit/narrate"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/kit/poll"
	"github.com/patternlab/patternlab/patterns/saga/choreography"
	"github.com/patternlab/patternlab/patterns/saga/ledger"
	"github.com/patternlab/patternlab/patterns/saga/shop"
)

// runChoreography is act 1: the orders go through services that only react
// to events. One service crashes mid-run and resumes from its durable
// consumer; a buggy client publishes a malformed event, which is
// dead-lettered.
func runChoreography(ctx context.Context, n *narrate.Narrator, target *natsembed.Target, orders []shop.Order, plan *shop.Plan, cfg Config) (shop.Report, error) {
	n.Act("act 1: choreography: each service reacts to events on NATS JetStream, nobody holds the saga")
	var hooks ledger.Hooks
	if n.JSONMode() {
		hooks.Noted = traceDelivery(n)
	}
	services, err := shop.NewServices(shop.Options{
		Ledger:             ledger.Options{Inject: plan, UnsafeNoIdempotency: !cfg.Idempotency, Hooks: hooks},
		UnsafeNoTombstones: !cfg.Tombstones,
	})
	if err != nil {
		return shop.Report{}, err
	}
	prefix := uniquePrefix(target, choreographyPrefix)
	c, err := choreography.Start(ctx, target.URL, services, choreography.Options{
		ParticipantOptions: choreography.ParticipantOptions{Prefix: prefix, Plan: plan, Unsafe: choreography.Unsafe{
			NoCompensation: !cfg.Compensation, NoCompensationRetries: !cfg.CompensationRetries,
		}},
		DeleteOnClose: true,
	})
	if err != nil {
		return shop.Report{}, err
	}
	target.OnClose(c.Close)
	defer c.Close()
	events, dead := c.Streams()
	n.Step("lab", "streams %s (events) and %s (dead letters) created; they are deleted when the act ends", events, dead)
	if err := showProtection(ctx, n, target, c, prefix); err != nil {
		return shop.Report{}, err
	}
	f := planFaults(n, plan, shop.Choreography, false)
	bad := n.Plan("lab", "a malformed event on "+choreography.Subject(prefix, choreography.OrderPlaced))
	if err := publishMalformed(ctx, target.URL, prefix, bad); err != nil {
		return shop.Report{}, err
	}

	start := time.Now()
	for _, o := range orders {
		if err := choreographOne(ctx, n, f, c, services, plan, o); err != nil {
			return shop.Report{}, err
		}
	}
	n.Measure("orders", "%d sagas in %s, one after another", len(orders), time.Since(start).Round(time.Millisecond))

	snaps, err := c.Snapshots(ctx)
	if err != nil {
		return shop.Report{}, err
	}
	r := shop.Verify(orders, c.Outcomes(), snaps)
	tellChecks(n, shop.Choreography, r)
	letters, err := c.DeadLetters(ctx)
	if err != nil {
		return shop.Report{}, err
	}
	var got []string
	for _, l := range letters {
		got = append(got, fmt.Sprintf("%q from %s", l.Reason, l.Subject))
	}
	n.Check("choreography dead letters", len(letters) == 1 && strings.HasPrefix(letters[0].Reason, "malformed event") &&
		letters[0].Subject == choreography.Subject(prefix, choreography.OrderPlaced),
		"%d read back from %s, want the malformed one: %s", len(letters), dead, strings.Join(got, "; "))
	return r, nil
}

func choreographOne(ctx context.Context, n *narrate.Narrator, f *faults, c *choreography.Choreography, services map[string]*shop.Service, plan *shop.Plan, o shop.Order) error {
	ctx, cancel := context.WithTimeout(ctx, sagaBudget())
	defer cancel()
	began := time.Now()
	crashed := ""
	if plan.Crash.Saga == o.ID {
		crashed = shop.Step(plan.Crash.Step).Service()
		if err := c.Crash(crashed); err != nil {
			return err
		}
		f.fire(plan.Crash, shop.FaultCrash, crashed, "crashes: its consumer stops and its connection drops, before %s reaches it", o.ID)
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
	tellStory(n, f, o.ID, services)
	tellOutcome(n, "orders", out)
	n.Measure("orders", "%s took %s", o.ID, took.Round(time.Millisecond))
	return nil
}

// waitBacklog waits until an event waits for the crashed service.
func waitBacklog(ctx context.Context, c *choreography.Choreography, service string) (int, error) {
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

// publishMalformed is a buggy client of the module's own: a truncated
// order.placed, which inventory must dead-letter rather than drop.
func publishMalformed(ctx context.Context, url, prefix string, fault *narrate.PlannedFault) error {
	nc, err := natsembed.Connect(url, "saga-buggy-client")
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	subject := choreography.Subject(prefix, choreography.OrderPlaced)
	fault.Fire("a buggy client publishes a truncated order.placed on %s", subject)
	if _, err := js.Publish(ctx, subject, []byte(`{"type":"order.placed","order":{"id":"order-`)); err != nil {
		return fmt.Errorf("publish the malformed event: %w", err)
	}
	return nil
}

// showProtection has a guest of the embedded server forge an event on the
// module's subjects, and checks that the server refused it and the stream
// did not grow. On a shared server that is the operator's job.
func showProtection(ctx context.Context, n *narrate.Narrator, target *natsembed.Target, c *choreography.Choreography, prefix string) error {
	if target.External() {
		n.Step("lab", "a shared server: its operator's permissions keep other users off %s.> (see the chapter)", prefix)
		return nil
	}
	denied := make(chan error, 1)
	guest, err := natsembed.Connect(target.Embedded.GuestURL(), "saga-guest", nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		select {
		case denied <- err:
		default:
		}
	}))
	if err != nil {
		return err
	}
	defer guest.Close()
	before, err := c.Published(ctx)
	if err != nil {
		return err
	}
	subject := choreography.Subject(prefix, choreography.PaymentCharged)
	if err := guest.Publish(subject, []byte(`{"type":"payment.charged","order":{"id":"order-1","sku":"desk","qty":50,"amount":1}}`)); err != nil {
		return fmt.Errorf("guest publish: %w", err)
	}
	if err := guest.Flush(); err != nil {
		return fmt.Errorf("guest flush: %w", err)
	}
	refused := false
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	select {
	case err := <-denied:
		refused = errors.Is(err, nats.ErrPermissionViolation)
	case <-wait.Done():
	}
	after, err := c.Published(ctx)
	if err != nil {
		return err
	}
	n.Step("guest", "publishes a forged payment.charged for order-1 on %s", subject)
	n.Check("protected subjects", refused && after == before,
		"the server refused the guest's publish: %t; the events stream holds %d events before and %d after", refused, before, after)
	return nil
}
