package shop

import (
	"fmt"
	"sort"

	"github.com/patternlab/patternlab/patterns/saga/ledger"
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
// service saw and every service's own ledger. A saga that did not complete
// is checked step by step against the ledgers, whatever its outcome says:
// the stock it reserved and the money it took must have been given back,
// and its shipment must not be booked.
func Verify(orders []Order, outcomes map[string]Outcome, snaps map[string]ledger.Snapshot) Report {
	r := Report{Orders: len(orders)}
	inv, pay, ship := snaps[Inventory], snaps[Payment], snaps[Shipping]
	completedUnits := map[string]int64{}
	for _, o := range orders {
		out, ok := outcomes[o.ID]
		switch {
		case !ok:
			r.violate("%s is stuck: neither completed nor compensated", o.ID)
		case out.Status == Completed:
			r.Completed++
			r.CompletedUnits += int64(o.Qty)
			r.CompletedAmount += o.Amount
			completedUnits[o.SKU] += int64(o.Qty)
			for _, s := range Forward {
				if !applied(snaps, o, s) {
					r.violate("%s completed but its %s did not apply", o.ID, s)
				}
				if c, ok := s.Compensation(); ok && applied(snaps, o, c) {
					r.violate("%s completed but its %s ran", o.ID, c)
				}
			}
			continue
		case out.Status == Compensated:
			r.Compensated++
		default:
			r.violate("%s ended %s (%s): neither completed nor compensated", o.ID, out.Status, out.Reason)
		}
		status := "compensated"
		if ok {
			status = string(out.Status)
		}
		if applied(snaps, o, Reserve) && !applied(snaps, o, Release) {
			e, _ := inv.Entry(Reserve.Key(o.ID))
			r.violate("%s stayed reserved: %d %s reserved, never released", o.ID, e.Units, e.Item)
		}
		if applied(snaps, o, Charge) && !applied(snaps, o, Refund) {
			e, _ := pay.Entry(Charge.Key(o.ID))
			r.violate("%s stayed charged: %s taken, never refunded", o.ID, Cents(e.Amount))
		}
		if applied(snaps, o, Book) {
			r.violate("%s %s but its shipment is booked", o.ID, status)
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

func applied(snaps map[string]ledger.Snapshot, o Order, s Step) bool {
	return snaps[s.Service()].Applied(s.Key(o.ID))
}

func (r *Report) violate(format string, args ...any) {
	r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
}
