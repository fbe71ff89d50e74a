package fintech

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/industries/fintech/payment"
	"github.com/patternlab/patternlab/industries/fintech/traffic"
	"github.com/patternlab/patternlab/kit/natsembed"
	"github.com/patternlab/patternlab/patterns/saga/temporalsaga"
)

// business is the day: the banks send their instructions, the office
// screens them and runs one saga per payment, the faults of the schedule
// strike, and every saga ends.
func (d *demo) business(ctx context.Context) error {
	d.n.Act("act 2: the business day")
	day := d.day
	var mx int64
	amounts := make([]int64, len(day.Instructions))
	for i, in := range day.Instructions {
		amounts[i] = in.Amount
		mx = max(mx, in.Amount)
	}
	slices.Sort(amounts)
	d.n.Step("banks", "seed %d: %d payment instructions from 08:00 to 18:00, %s to %s (median %s), in %d messages with the resends and the malformed ones",
		d.cfg.Seed, len(day.Instructions), cents(amounts[0]), cents(mx), cents(amounts[len(amounts)/2]), len(day.Messages))
	d.office = newOffice(d)
	d.faults.offerOutage()
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return d.send(gctx) })
	g.Go(func() error { return d.office.serve(gctx, len(day.Messages)) })
	err := g.Wait()
	d.n.Withdraw("risk-down") // every payment is screened: nothing left to take down
	if err != nil {
		return err
	}
	if err := d.office.settle(ctx); err != nil {
		return err
	}
	elapsed := time.Since(start)
	d.faults.announce()
	d.summary(elapsed)
	return nil
}

// send publishes the day's messages as the banks do: from a connection of
// their own (a guest of the clearing house's server), in order.
func (d *demo) send(ctx context.Context) error {
	url := d.nats.URL
	if !d.nats.External() {
		url = d.nats.Embedded.GuestURL()
	}
	nc, err := natsembed.Connect(url, "banks")
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	for i, m := range d.day.Messages {
		bankName := "unknown"
		if in, err := traffic.Parse(m.Data); err == nil {
			bankName = in.PayerBank()
		}
		msg := nats.NewMsg(d.names.instructions(bankName))
		msg.Data = m.Data
		if _, err := js.PublishMsgAsync(msg); err != nil {
			return fmt.Errorf("send message %d: %w", i, err)
		}
		if i%256 == 255 {
			if err := wait(ctx, js.PublishAsyncComplete()); err != nil {
				return err
			}
		}
	}
	return wait(ctx, js.PublishAsyncComplete())
}

func wait(ctx context.Context, done <-chan struct{}) error {
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// summary narrates how the day's payments ended, with each planted case.
func (d *demo) summary(elapsed time.Duration) {
	o, p := d.office, d.day.Planted
	count := map[payment.Status]int{}
	reasons := map[string]int{}
	var lat []time.Duration
	for _, id := range o.order {
		r := o.payments[id]
		count[r.Result.Status]++
		if r.Result.Status == payment.Rejected || r.Result.Status == payment.Compensated {
			reasons[reasonKind(r.Result.Reason)]++
		}
		if r.Result.Status == payment.Settled {
			lat = append(lat, r.Closed.Sub(r.Arrived))
		}
	}
	d.n.Step("office", "%d payments: %d settled, %d rejected, %d compensated, %d failed; %d resends absorbed",
		len(o.order), count[payment.Settled], count[payment.Rejected], count[payment.Compensated], count[payment.Failed], o.dups)
	var rs []string
	for _, k := range slices.Sorted(maps.Keys(reasons)) {
		rs = append(rs, fmt.Sprintf("%s %d", k, reasons[k]))
	}
	d.n.Step("office", "reasons: %s", strings.Join(rs, ", "))
	for _, c := range []struct{ who, id string }{
		{"overdraft", p.Overdraft}, {"sanctions", p.ToBlocked}, {"limit", p.OverLimit}, {"currency", p.Foreign},
		{"after the close", p.AfterClose[0]}, {"lost debit answer", p.LostDebit}, {"late pivot", p.LatePivot},
		{"race", p.Race[0]}, {"race", p.Race[1]},
	} {
		d.n.Step("saga", "%s (%s): %s", c.id, c.who, d.story(c.id))
	}
	for _, id := range p.InOutage {
		d.n.Step("saga", "%s (risk down): %s", id, d.story(id))
	}
	var burst []string
	for _, id := range p.BurstIDs {
		burst = append(burst, string(d.statusOf(id)))
	}
	d.n.Step("saga", "%s's burst of %d payments in 2m20s: %s", p.Burst, len(p.BurstIDs), strings.Join(burst, ", "))
	slices.Sort(lat)
	d.stats.Payments, d.stats.Elapsed, d.stats.Latency = len(o.order), elapsed, lat
	if len(lat) > 0 {
		d.n.Measure("office", "the day in %s: %.0f payments/s end to end; instruction to settled p50 %s, p99 %s",
			elapsed.Round(time.Millisecond), float64(len(o.order))/elapsed.Seconds(),
			lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*99/100].Round(time.Millisecond))
	}
}

// story is how one payment ended, for the narration.
func (d *demo) story(id string) string {
	r := d.office.payments[d.paymentID(id)]
	if r == nil {
		return "never arrived"
	}
	if r.Result.Reason == "" {
		return string(r.Result.Status)
	}
	return string(r.Result.Status) + ": " + r.Result.Reason
}

func (d *demo) statusOf(id string) payment.Status {
	if r := d.office.payments[d.paymentID(id)]; r != nil {
		return r.Result.Status
	}
	return "missing"
}

// paymentID is the office's key of an instruction's first message.
func (d *demo) paymentID(instruction string) string {
	if d.cfg.Idempotency {
		return instruction
	}
	for _, id := range d.office.order {
		if r := d.office.payments[id]; r.In.ID == instruction {
			return id
		}
	}
	return instruction
}

// reasonKind is the first words of a reason, for the tally.
func reasonKind(reason string) string {
	for _, k := range [][2]string{{"risk-unavailable", "risk unavailable"}, {"currency", "currency"}, {"amount above", "above the limit"},
		{"sanctions", "sanctions"}, {"already sent", "velocity"}, {"insufficient funds", "insufficient funds"}, {"account closed", "account closed"}} {
		if strings.Contains(reason, k[0]) {
			return k[1]
		}
	}
	return reason
}

// unsafe are the saga safeguards this run switched off.
func (d *demo) unsafe() temporalsaga.Unsafe {
	return temporalsaga.Unsafe{NoCompensation: !d.cfg.Compensation, NoSettle: !d.cfg.Settle}
}
