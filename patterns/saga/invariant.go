package saga

import (
	"fmt"
	"sort"
)

// Invariant is the sentence both styles must make true.
const Invariant = "every saga completed or fully compensated; stock + reserved + shipped and money charged - refunded match the completed orders exactly; no step applied twice"

// Report is what the invariant check found in one style's run: the numbers
// for the narration and the violations, if any.
type Report struct {
	Orders, Completed, Compensated int

	Stock, Available, Reserved, Shipped int64 // units, all SKUs
	CompletedUnits                      int64
	Charged, Refunded, CompletedAmount  Cents

	Duplicates   int // deliveries absorbed by the idempotency records
	Keys         int // idempotency records
	AppliedTwice []string

	Violations []string
}

// Verify checks the invariant from real state: the outcomes the orders
// service saw and every service's own ledger.
func Verify(orders []Order, outcomes map[string]Outcome, snaps map[string]Snapshot) Report {
	r := Report{Orders: len(orders)}
	inv, pay, ship := snaps[Inventory], snaps[Payment], snaps[Shipping]
	completedUnits := map[string]int64{}
	for _, o := range orders {
		out, ok := outcomes[o.ID]
		switch {
		case !ok:
			r.violate("%s is stuck: neither completed nor compensated", o.ID)
			continue
		case out.Status == Completed:
			r.Completed++
			r.CompletedUnits += int64(o.Qty)
			r.CompletedAmount += o.Amount
			completedUnits[o.SKU] += int64(o.Qty)
			r.expect(inv, o, Reserve, true, Release, false)
			r.expect(pay, o, Charge, true, Refund, false)
			if !applied(ship, Key{o.ID, Book}) {
				r.violate("%s completed but no shipment was booked", o.ID)
			}
		case out.Status == Compensated:
			r.Compensated++
			r.undone(inv, o, Reserve, Release)
			r.undone(pay, o, Charge, Refund)
			if applied(ship, Key{o.ID, Book}) {
				r.violate("%s compensated but its shipment is booked", o.ID)
			}
		default:
			r.violate("%s ended in unknown status %q", o.ID, out.Status)
		}
	}
	for _, item := range Catalog {
		a, res, sh := inv.Counters[available(item.SKU)], inv.Counters[reserved(item.SKU)], ship.Counters[shipped(item.SKU)]
		r.Stock += InitialStock
		r.Available += a
		r.Reserved += res
		r.Shipped += sh
		if a+res != InitialStock {
			r.violate("%s: available %d + reserved %d != stock %d", item.SKU, a, res, InitialStock)
		}
		if want := completedUnits[item.SKU]; res != want || sh != want {
			r.violate("%s: reserved %d and shipped %d, completed orders hold %d", item.SKU, res, sh, want)
		}
	}
	r.Charged, r.Refunded = Cents(pay.Counters[charged]), Cents(pay.Counters[refunded])
	if net := r.Charged - r.Refunded; net != r.CompletedAmount {
		r.violate("money: charged %s - refunded %s = %s, completed orders are worth %s", r.Charged, r.Refunded, net, r.CompletedAmount)
	}
	for _, name := range Services {
		for k, e := range snaps[name].Entries {
			r.Keys++
			r.Duplicates += e.Duplicates
			if e.Applied > 1 {
				r.AppliedTwice = append(r.AppliedTwice, fmt.Sprintf("%s applied %d times", k, e.Applied))
			}
		}
	}
	sort.Strings(r.AppliedTwice)
	r.Violations = append(r.Violations, r.AppliedTwice...)
	return r
}

// expect checks a completed saga's step applied and its compensation did not.
func (r *Report) expect(s Snapshot, o Order, fwd Step, wantFwd bool, comp Step, wantComp bool) {
	if applied(s, Key{o.ID, fwd}) != wantFwd {
		r.violate("%s completed but its %s did not apply", o.ID, fwd)
	}
	if applied(s, Key{o.ID, comp}) != wantComp {
		r.violate("%s completed but its %s ran", o.ID, comp)
	}
}

// undone checks that a compensated saga's step, if it applied, was undone.
func (r *Report) undone(s Snapshot, o Order, fwd, comp Step) {
	if applied(s, Key{o.ID, fwd}) && !applied(s, Key{o.ID, comp}) {
		r.violate("%s compensated but its %s was never undone by %s", o.ID, fwd, comp)
	}
}

func applied(s Snapshot, k Key) bool {
	e, ok := s.Entry(k)
	return ok && e.Effect == Applied
}

func (r *Report) violate(format string, args ...any) {
	r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
}
